/**
 * A target is a broker the harness can start on loopback, pinned to the broker cores, and measure:
 * Apache Kafka, gregor over TCP (as `npm start` runs it), gregor with flush-on-ack, and gregor
 * in-process (embedded, measured by the load generator inside its process).
 */
import type { EmbeddedLoad } from '../drivers/embedded.js';
import type { LoadGeneratorName } from '../lib/measurement.js';
import type { SecuredProtocol, SecurityMaterial } from '../lib/security.js';

export interface StartOptions {
  /** Parent directory for the broker's data; every target uses the same disk. */
  dataRoot: string;
  /** `taskset -c` CPU list for the broker. */
  cpus?: string;
  port: number;
  /** Also SSL and SASL_SSL (PLAIN) listeners with this certificate and user (the security scenarios). */
  security?: SecurityMaterial;
}

export interface ClusterNodes {
  stop(nodeId: number): Promise<void>;
  start(nodeId: number): Promise<void>;
}

export interface RunningBroker {
  readonly target: string;
  readonly sink?: boolean;
  /** The embedded target's in-process load generator; a target that has one is measured by it alone. */
  readonly embedded?: EmbeddedLoad;
  readonly bootstrap: string;
  /** The bootstrap address of each secured listener, when started with `security`. */
  readonly secured?: Readonly<Record<SecuredProtocol, string>>;
  /** Every running process of the target (a cluster's brokers and metadata quorum too): their CPU and memory are added up. */
  readonly pids: readonly number[];
  /** Brokers in the target, 1 unless it is a cluster: the most replicas a topic can have; load generators then route by leader. */
  readonly brokers?: number;
  /** A cluster's brokers one at a time, by node id: stopped with SIGTERM, started again on their data and port. */
  readonly nodes?: ClusterNodes;
  stop(): Promise<void>;
}

export interface Target {
  readonly name: string;
  /** A sink answers only the native load generator's Produce requests (no topics, no other tools). */
  readonly sink?: boolean;
  /** The only load generator that can measure this target (the embedded target's in-process one). */
  readonly loadGenerator?: LoadGeneratorName;
  /** Version, process and durability settings, stated in every result. */
  describe(): Record<string, string>;
  /** Null when the target can run on this machine; otherwise why not (the harness skips it and says so). */
  unavailable(): Promise<string | null>;
  start(options: StartOptions): Promise<RunningBroker>;
}
