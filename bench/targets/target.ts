/**
 * A target is a broker the harness can start on loopback, pinned to the broker cores, and measure:
 * Apache Kafka, gregor over TCP (as `npm start` runs it), gregor with flush-on-ack, and (once the
 * embedded API exists) gregor in-process.
 */
export interface StartOptions {
  /** Parent directory for the broker's data; every target uses the same disk. */
  dataRoot: string;
  /** `taskset -c` CPU list for the broker. */
  cpus?: string;
  port: number;
}

export interface RunningBroker {
  readonly target: string;
  readonly sink?: boolean;
  readonly bootstrap: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface Target {
  readonly name: string;
  /** A sink answers only the native load generator's Produce requests (no topics, no other tools). */
  readonly sink?: boolean;
  /** Version, process and durability settings, stated in every result. */
  describe(): Record<string, string>;
  /** Null when the target can run on this machine; otherwise why not (the harness skips it and says so). */
  unavailable(): Promise<string | null>;
  start(options: StartOptions): Promise<RunningBroker>;
}
