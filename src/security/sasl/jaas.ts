/**
 * Kafka's `sasl.jaas.config` syntax: one or more `<LoginModuleClass> <flag> key=value …;` entries, values
 * quoted (with backslash escapes) or bare. The PLAIN mechanism reads its users from the `user_<name>` options.
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';

export interface JaasLoginModule {
  readonly loginModule: string;
  readonly flag: 'required' | 'requisite' | 'sufficient' | 'optional';
  readonly options: ReadonlyMap<string, string>;
}

const TOKEN = /\s*(?:"((?:\\.|[^"\\])*)"|([^\s=;"]+)|(=)|(;))/y;
const FLAGS = new Set(['required', 'requisite', 'sufficient', 'optional']);

export function parseJaasConfig(text: string): JaasLoginModule[] {
  const tokens = tokenize(text);
  const modules: JaasLoginModule[] = [];
  let i = 0;
  const next = (): Token | undefined => tokens[i++];
  while (i < tokens.length) {
    const loginModule = next();
    const flag = next();
    if (loginModule?.kind !== 'word' || flag?.kind !== 'word' || !FLAGS.has(flag.text.toLowerCase())) {
      throw invalid('expected "<LoginModule> required|requisite|sufficient|optional"');
    }
    const options = new Map<string, string>();
    for (;;) {
      const key = next();
      if (key === undefined) throw invalid('an entry must end with ";"');
      if (key.kind === ';') break;
      if (key.kind !== 'word' || next()?.kind !== '=') throw invalid(`expected key=value in the options of ${loginModule.text}`);
      const value = next();
      if (value?.kind !== 'word' && value?.kind !== 'quoted') throw invalid(`option ${key.text} has no value`);
      options.set(key.text, value.text);
    }
    modules.push({ loginModule: loginModule.text, flag: flag.text.toLowerCase() as JaasLoginModule['flag'], options });
  }
  if (modules.length === 0) throw invalid('no login module');
  return modules;
}

/** PlainLoginModule's `user_<name>="<password>"` options. */
export function plainUsers(modules: readonly JaasLoginModule[]): Map<string, string> {
  const users = new Map<string, string>();
  for (const module of modules) {
    for (const [key, value] of module.options) if (key.startsWith('user_')) users.set(key.slice('user_'.length), value);
  }
  return users;
}

type Token = { kind: 'word' | 'quoted'; text: string } | { kind: '=' | ';'; text: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const match = TOKEN.exec(text);
    if (!match) throw invalid(`unexpected text at ${JSON.stringify(text.slice(TOKEN.lastIndex, TOKEN.lastIndex + 20))}`);
    if (match[1] !== undefined) tokens.push({ kind: 'quoted', text: match[1].replace(/\\(.)/g, '$1') });
    else if (match[2] !== undefined) tokens.push({ kind: 'word', text: match[2] });
    else tokens.push({ kind: match[3] ? '=' : ';', text: match[0].trim() });
  }
  return tokens;
}

function invalid(why: string): KafkaError {
  return new KafkaError(ErrorCode.INVALID_CONFIG, `invalid sasl.jaas.config: ${why}`);
}
