/** `key=value` arguments (topic configs, headers): split at the first `=`; the key must not be empty. */
import { CliError, EXIT_USAGE } from './errors.js';

export function parseKeyValue(text: string, what: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new CliError(`${what} must be key=value, got ${JSON.stringify(text)}`, undefined, EXIT_USAGE);
  return [text.slice(0, eq), text.slice(eq + 1)];
}
