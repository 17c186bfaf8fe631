/** The targets the harness knows, by name. The sinks are ceilings, measured only in scenarios marked `ceiling`. */
import { EmbeddedTarget } from './embedded.js';
import { GregorTarget } from './gregor.js';
import { GregorClusterTarget } from './gregor-cluster.js';
import { KafkaTarget } from './kafka.js';
import { KafkaClusterTarget } from './kafka-cluster.js';
import { SinkTarget } from './sink.js';
import type { Target } from './target.js';

export const TARGET_NAMES = [
  'kafka',
  'gregor',
  'gregor-baseline',
  'gregor-flush-on-ack',
  'embedded',
  'tcp-sink',
  'node-sink',
  'kafka-cluster',
  'gregor-cluster',
  'gregor-cluster-baseline',
] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

/** `baselineDist`: the other build's `dist` directory, for `gregor-baseline` and `gregor-cluster-baseline` (a before/after pair in one run). */
export function makeTarget(name: TargetName, baselineDist?: string): Target {
  switch (name) {
    case 'kafka':
      return new KafkaTarget();
    case 'gregor':
      return new GregorTarget(false);
    case 'gregor-baseline':
      if (!baselineDist) throw new Error('the gregor-baseline target needs --baseline <dist directory>');
      return new GregorTarget(false, baselineDist);
    case 'gregor-flush-on-ack':
      return new GregorTarget(true);
    case 'tcp-sink':
    case 'node-sink':
      return new SinkTarget(name);
    case 'embedded':
      return new EmbeddedTarget();
    case 'kafka-cluster':
      return new KafkaClusterTarget();
    case 'gregor-cluster':
      return new GregorClusterTarget();
    case 'gregor-cluster-baseline':
      if (!baselineDist) throw new Error('the gregor-cluster-baseline target needs --baseline <dist directory>');
      return new GregorClusterTarget(baselineDist);
  }
}
