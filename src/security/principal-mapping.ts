/**
 * `ssl.principal.mapping.rules`: Kafka's rules turning a client certificate's distinguished name (RFC 2253,
 * as Java's X500Principal prints it) into a principal name. `DEFAULT` keeps the name as it is;
 * `RULE:pattern/replacement/[LU]` applies to a name the pattern matches as a whole, optionally lower- or
 * upper-casing the result. The first rule that applies wins; a name no rule applies to fails the login.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';

type Rule =
  | { readonly kind: 'default' }
  | { readonly kind: 'rule'; readonly pattern: RegExp; readonly replacement: string; readonly caseChange: '' | 'L' | 'U' };

const RULE_SYNTAX = /\s*(?:(DEFAULT)|RULE:((?:\\.|[^\\/])*)\/((?:\\.|[^\\/])*)\/([LU]?))\s*(?:,|$)/y;

export class PrincipalMapper {
  readonly #rules: readonly Rule[];

  private constructor(rules: readonly Rule[]) {
    this.#rules = rules;
  }

  static parse(rules: string): PrincipalMapper {
    const parsed: Rule[] = [];
    RULE_SYNTAX.lastIndex = 0;
    while (RULE_SYNTAX.lastIndex < rules.length) {
      const start = RULE_SYNTAX.lastIndex;
      const match = RULE_SYNTAX.exec(rules);
      if (!match || match[0] === '')
        throw new KafkaError(ErrorCode.INVALID_CONFIG, `invalid ssl.principal.mapping.rules at ${JSON.stringify(rules.slice(start))}`);
      if (match[1]) parsed.push({ kind: 'default' });
      else parsed.push({ kind: 'rule', pattern: new RegExp(`^(?:${match[2]})$`), replacement: match[3]!, caseChange: match[4] as '' | 'L' | 'U' });
    }
    return new PrincipalMapper(parsed.length === 0 ? [{ kind: 'default' }] : parsed);
  }

  /** The principal name of a distinguished name; throws SASL_AUTHENTICATION_FAILED when no rule applies. */
  map(distinguishedName: string): string {
    for (const rule of this.#rules) {
      if (rule.kind === 'default') return distinguishedName;
      if (!rule.pattern.test(distinguishedName)) continue;
      const mapped = distinguishedName.replace(rule.pattern, rule.replacement);
      return rule.caseChange === 'L' ? mapped.toLowerCase() : rule.caseChange === 'U' ? mapped.toUpperCase() : mapped;
    }
    throw new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, `no ssl.principal.mapping.rules rule applies to ${distinguishedName}`);
  }
}

/** The RFC 2253 form of a subject as Node prints it (one `KEY=value` per line, most significant first). */
export function distinguishedName(subject: string): string {
  return subject
    .split('\n')
    .filter((line) => line !== '')
    .reverse()
    .map((rdn) => {
      const eq = rdn.indexOf('=');
      return `${rdn.slice(0, eq)}=${escapeValue(rdn.slice(eq + 1))}`;
    })
    .join(',');
}

function escapeValue(value: string): string {
  return value
    .replace(/([,+"\\<>;])/g, '\\$1')
    .replace(/^([ #])/, '\\$1')
    .replace(/ $/, '\\ ');
}
