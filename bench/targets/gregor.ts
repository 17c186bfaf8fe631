/**
 * gregor over TCP as a benchmark target, started the way `npm start` starts it (`gregor serve`, its
 * own Node process, with the Node flags of the build's `npm start`), configured through GREGOR_*
 * environment variables with Kafka's key names so the harness does not depend on command-line flags. Two durability variants: flush-on-ack off (Kafka's
 * behaviour, the like-for-like comparison) and gregor's default, flush before answering acks=all. A
 * baseline variant runs another build's `dist` (e.g. a copy of the base commit's) with the same settings,
 * so a change is measured against its base in one run, the two alternating each repeat.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../lib/paths.js';
import { ephemeralPort } from '../lib/ports.js';
import { securedListenerSettings } from '../lib/security.js';
import { startProcess } from '../lib/process.js';
import { brokerReady } from './broker-process.js';
import { DISK_BUDGET_BROKER_SETTINGS } from './disk-budget.js';
import type { RunningBroker, StartOptions, Target } from './target.js';

export const GREGOR_CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

export class GregorTarget implements Target {
  readonly name: string;

  readonly #cli: string;

  /** `baselineDist`: the `dist` directory of the build to run as `gregor-baseline` instead of this one's. */
  constructor(
    private readonly flushOnAck: boolean,
    private readonly baselineDist?: string,
  ) {
    this.name = baselineDist ? 'gregor-baseline' : flushOnAck ? 'gregor-flush-on-ack' : 'gregor';
    this.#cli = baselineDist ? join(baselineDist, 'src', 'cli', 'main.js') : GREGOR_CLI;
  }

  describe(): Record<string, string> {
    return {
      broker: `gregor (node ${process.version}), \`gregor serve\`${this.baselineDist ? ` of the baseline build ${this.baselineDist}` : ''}, single node`,
      durability: this.flushOnAck
        ? "gregor's default: acks=all answered once the batch is fsynced (group commit)"
        : 'gregor.flush.before.acks.all.enable=false: acks=all answered once appended, as Kafka does; no fsync per write',
    };
  }

  async unavailable(): Promise<string | null> {
    return existsSync(this.#cli) ? null : `gregor's CLI is not built (${this.#cli}); run npm run build`;
  }

  async start(options: StartOptions): Promise<RunningBroker> {
    mkdirSync(options.dataRoot, { recursive: true });
    const dir = mkdtempSync(join(options.dataRoot, `${this.name}-`));
    const secured = options.security && { SSL: await ephemeralPort(), SASL_SSL: await ephemeralPort() };
    const listeners = [
      `PLAINTEXT://127.0.0.1:${options.port}`,
      ...Object.entries(secured ?? {}).map(([protocol, port]) => `${protocol}://127.0.0.1:${port}`),
    ].join(',');
    const settings: Record<string, string> = {
      listeners,
      'advertised.listeners': listeners,
      'log.dirs': join(dir, 'logs'),
      'gregor.flush.before.acks.all.enable': String(this.flushOnAck),
      ...DISK_BUDGET_BROKER_SETTINGS,
      ...(options.security ? securedListenerSettings(options.security) : {}),
      // Kafka runs with WARN logging in the harness too.
      'gregor.log.level': 'warn',
    };
    const env = { ...process.env, ...Object.fromEntries(Object.entries(settings).map(([key, value]) => [environmentVariable(key), value])) };
    const root = this.baselineDist ? dirname(this.baselineDist) : REPO_ROOT;
    const child = startProcess(process.execPath, [...startNodeFlags(root), this.#cli, 'serve'], { cpus: options.cpus }, env);
    const broker = await brokerReady(child, { target: this.name, label: 'gregor', port: options.port, dir, readyTimeoutMs: 60_000, stopGraceMs: 15_000 });
    return secured ? { ...broker, secured: { SSL: `127.0.0.1:${secured.SSL}`, SASL_SSL: `127.0.0.1:${secured.SASL_SSL}` } } : broker;
  }
}

/** The GREGOR_* variable that sets a Kafka key (`_` in the key doubled, `.` as `_`, `-` as `___`; gregor's keys without `gregor.`). */
export function environmentVariable(key: string): string {
  const name = key
    .replace(/^gregor\./, '')
    .replaceAll('_', '__')
    .replaceAll('-', '___')
    .replaceAll('.', '_');
  return `GREGOR_${name.toUpperCase()}`;
}

/** The Node flags of the `start` script in `root`'s package.json. */
export function startNodeFlags(root: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: { start?: string } };
  return nodeFlagsOf(pkg.scripts?.start ?? '');
}

/** The flags between `node` and the script in a command line (`node FLAGS… script args…`, or a shebang's `env -S node …`). */
export function nodeFlagsOf(command: string): string[] {
  const words = command.trim().split(/\s+/);
  const node = words.indexOf('node');
  if (node < 0) return [];
  const flags: string[] = [];
  for (const word of words.slice(node + 1)) {
    if (!word.startsWith('--')) break;
    flags.push(word);
  }
  return flags;
}
