/**
 * The franz-go test client (test/compat/franz-go, a Go program on github.com/twmb/franz-go): built once per
 * source change into dist/, run as a child process that reports what the application sees as JSON lines.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SOURCE = join(ROOT, 'test', 'compat', 'franz-go');
const BINARY = join(ROOT, 'dist', 'test-tools', 'franz-go-client');

export function hasGo(): boolean {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

/** The client's path, built first when its sources are newer (the first build downloads the module: minutes). */
export function franzGoClient(): string {
  const newest = Math.max(...['main.go', 'go.mod', 'go.sum'].map((file) => statSync(join(SOURCE, file)).mtimeMs));
  if (!existsSync(BINARY) || statSync(BINARY).mtimeMs < newest) {
    mkdirSync(dirname(BINARY), { recursive: true });
    execFileSync('go', ['build', '-o', BINARY, '.'], { cwd: SOURCE, stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
  }
  return BINARY;
}

export interface FranzGoEvent {
  readonly event: string;
  readonly [field: string]: unknown;
}

/** A running client: its events as they arrive; `stop` closes its stdin and resolves with its last event. */
export interface FranzGoRun {
  readonly events: FranzGoEvent[];
  stop(): Promise<FranzGoEvent | undefined>;
}

export function runFranzGo(args: readonly string[], timeoutMs = 60_000): FranzGoRun {
  const child = spawn(franzGoClient(), [...args], { stdio: ['pipe', 'pipe', 'inherit'], timeout: timeoutMs });
  const events: FranzGoEvent[] = [];
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) if (line.trim() !== '') events.push(JSON.parse(line) as FranzGoEvent);
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    events,
    async stop() {
      child.stdin.end();
      await exited;
      return events.at(-1);
    },
  };
}
