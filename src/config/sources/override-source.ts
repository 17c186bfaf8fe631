/** Settings from the command line: `--override key=value`, as kafka-server-start.sh takes them. */
import type { SourcedSetting } from './setting.js';

export class OverrideSyntaxError extends Error {
  constructor(given: string) {
    super(`--override expects key=value, got ${JSON.stringify(given)}`);
    this.name = 'OverrideSyntaxError';
  }
}

export function parseOverride(given: string): SourcedSetting {
  const eq = given.indexOf('=');
  if (eq <= 0) throw new OverrideSyntaxError(given);
  const key = given.slice(0, eq).trim();
  return { key, value: given.slice(eq + 1), origin: `--override ${key}` };
}
