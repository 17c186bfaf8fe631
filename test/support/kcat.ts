/** Runs Debian's kcat (librdkafka 2.0.2) asynchronously (the broker under test may share this event loop). */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export function hasKcat(): boolean {
  try {
    return spawn('kcat', ['-V'], { stdio: 'ignore' }).pid !== undefined;
  } catch {
    return false;
  }
}

export async function kcat(args: readonly string[], input?: string, timeoutMs = 30_000): Promise<string> {
  if (input === undefined) return (await run('kcat', [...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 })).stdout;
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', [...args], { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`kcat ${args.join(' ')} exited ${code}: ${stderr}`))));
    child.stdin.end(input);
  });
}

export interface KcatMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly payload: string | null;
  readonly headers: string[] | undefined;
}

/** Every record of the topic from the beginning (kcat -C -J -e: ListOffsets + Fetch, no group). */
export async function consumeAll(bootstrap: string, topic: string): Promise<KcatMessage[]> {
  const out = await kcat(['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-J', '-q']);
  return out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as KcatMessage);
}
