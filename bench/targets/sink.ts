/**
 * TCP sinks as targets: processes that read the Produce request stream and answer each request with an
 * empty response, doing nothing else. `tcp-sink` (the Rust load generator's sink mode) is the load
 * generator's own ceiling — the broker results are far below it, so the load generator is not what
 * limits them; `node-sink` (bench/sink/node-sink.ts, compiled) is what a Node process on the broker
 * core can take at best. Sinks answer only the native load generator's Produce requests.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildLoadgen } from '../drivers/loadgen.js';
import { answersProduce } from '../lib/probe.js';
import { LOADGEN_BINARY, REPO_ROOT } from '../lib/paths.js';
import { startProcess, stopProcess, waitFor } from '../lib/process.js';
import type { RunningBroker, StartOptions, Target } from './target.js';

const NODE_SINK = join(REPO_ROOT, 'dist', 'bench', 'sink', 'node-sink.js');

export class SinkTarget implements Target {
  readonly sink = true;

  constructor(readonly name: 'tcp-sink' | 'node-sink') {}

  describe(): Record<string, string> {
    return {
      broker:
        this.name === 'tcp-sink'
          ? 'gregor-loadgen sink (Rust, thread per connection): reads Produce requests, answers each with an empty response'
          : `bench/sink/node-sink.ts on node ${process.version}: reads Produce requests, answers each with an empty response`,
      durability: 'none: nothing is stored',
    };
  }

  async unavailable(): Promise<string | null> {
    if (this.name === 'node-sink' && !existsSync(NODE_SINK))
      return `the Node sink is not compiled (${NODE_SINK.slice(REPO_ROOT.length + 1)}); run npm run build:ts`;
    return null;
  }

  async start(options: StartOptions): Promise<RunningBroker> {
    if (this.name === 'tcp-sink') await buildLoadgen();
    const [cmd, args] =
      this.name === 'tcp-sink' ? [LOADGEN_BINARY, ['sink', '--listen', `127.0.0.1:${options.port}`]] : [process.execPath, [NODE_SINK, String(options.port)]];
    const child = startProcess(cmd, args, { cpus: options.cpus });
    child.stdout!.resume();
    child.stderr!.resume();
    const stop = () => stopProcess(child, 5000);
    try {
      await waitFor(`${this.name} to answer`, 30_000, () => {
        if (child.exitCode !== null) throw new Error(`${this.name} exited with ${child.exitCode}`);
        return answersProduce('127.0.0.1', options.port);
      });
    } catch (e) {
      await stop();
      throw e;
    }
    return { target: this.name, sink: true, bootstrap: `127.0.0.1:${options.port}`, pids: [child.pid!], stop };
  }
}
