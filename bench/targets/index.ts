/**
 * The targets the harness knows, by name. `embedded` (gregor in-process through Gregor.start) is listed
 * so a run names it and says why it is skipped: its workloads run in bench/embedded/ until the harness
 * drives Gregor.start in-process. The sinks are ceilings,
 * measured only in scenarios marked `ceiling`.
 */
import { GregorTarget } from './gregor.js';
import { KafkaTarget } from './kafka.js';
import { SinkTarget } from './sink.js';
import type { Target } from './target.js';

export const TARGET_NAMES = ['kafka', 'gregor', 'gregor-flush-on-ack', 'embedded', 'tcp-sink', 'node-sink'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

class NotYetAvailable implements Target {
  constructor(
    readonly name: string,
    private readonly reason: string,
  ) {}
  describe(): Record<string, string> {
    return { broker: this.reason };
  }
  async unavailable(): Promise<string | null> {
    return this.reason;
  }
  start(): never {
    throw new Error(this.reason);
  }
}

export function makeTarget(name: TargetName): Target {
  switch (name) {
    case 'kafka':
      return new KafkaTarget();
    case 'gregor':
      return new GregorTarget(false);
    case 'gregor-flush-on-ack':
      return new GregorTarget(true);
    case 'tcp-sink':
    case 'node-sink':
      return new SinkTarget(name);
    case 'embedded':
      return new NotYetAvailable(name, 'not in the harness yet: the embedded workloads run in bench/embedded/run.ts (node dist/bench/embedded/run.js)');
  }
}
