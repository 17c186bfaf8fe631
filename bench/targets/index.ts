/** The targets the harness knows, by name. The sinks are ceilings, measured only in scenarios marked `ceiling`. */
import { EmbeddedTarget } from './embedded.js';
import { GregorTarget } from './gregor.js';
import { KafkaTarget } from './kafka.js';
import { SinkTarget } from './sink.js';
import type { Target } from './target.js';

export const TARGET_NAMES = ['kafka', 'gregor', 'gregor-flush-on-ack', 'embedded', 'tcp-sink', 'node-sink'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

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
      return new EmbeddedTarget();
  }
}
