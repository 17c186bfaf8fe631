/**
 * The harness's side of the embedded load generator: the workloads the embedded target's process
 * (embedded-child.ts: gregor and its in-process producer and consumer in one process) runs on request,
 * the IPC exchange that asks for one and waits for its report, and the Measurement made from it.
 */
import type { ChildProcess } from 'node:child_process';
import type { Compression } from '../../src/index.js';
import type { LatencySummary, Measurement, SeriesPoint } from '../lib/measurement.js';
import { failed } from '../lib/measurement.js';

interface JobBase {
  topic: string;
  recordSize: number;
  warmupSeconds: number;
  durationSeconds: number;
}

/**
 * Arrays of records to `send`, each `requestBytes` of records over `partitionsPerSend` partitions (a
 * run of records per partition, `partition` set explicitly), the next send taking the next partitions:
 * the shape of the native load generator's Produce requests. `maxRecords` stops after that many (filling
 * a topic).
 */
export interface ProduceJob extends JobBase {
  kind: 'produce';
  partitions: number;
  partitionsPerSend: number;
  requestBytes: number;
  sendsInFlight: number;
  acks: 0 | 1 | -1;
  compression: Compression;
  maxRecords?: number;
}

/** Every partition from the earliest offset, without a group; back to the start after `records`, until the time is up. */
export interface ConsumeJob extends JobBase {
  kind: 'consume';
  records: number;
}

/**
 * An open-loop producer at `rate` records/s on partition 0, `requestBytes` of records per send, the
 * intended send time stamped in each send's first record, and a consumer in the same process timing
 * each stamped record from that intended time to its arrival.
 */
export interface EndToEndJob extends JobBase {
  kind: 'e2e';
  rate: number;
  requestBytes: number;
  acks: 0 | 1 | -1;
}

export type EmbeddedJob = ProduceJob | ConsumeJob | EndToEndJob;

/** What the process reports for a job; `error` set means it failed. */
export interface EmbeddedReport {
  recordsPerSec: number;
  mbPerSec: number;
  latency: LatencySummary | null;
  series: SeriesPoint[];
  error?: string;
}

export type JobRequest = { id: number; job: EmbeddedJob };
export type JobMessage = { id: number; line: string } | { id: number; report: EmbeddedReport };

/** The Kafka-style description of a job, stated as each measurement's command. */
export function describeJob(job: EmbeddedJob, cpus: string | undefined): string {
  const where = `gregor embedded (Gregor.start, broker and client in one process${cpus === undefined ? '' : `, taskset -c ${cpus}`})`;
  switch (job.kind) {
    case 'produce':
      return `${where}: producer.send(arrays of ${job.requestBytes} B of ${job.recordSize} B records over ${job.partitionsPerSend} of ${job.partitions} partitions), ${job.sendsInFlight} sends in flight, acks=${job.acks}, compression=${job.compression}, lingerMs=0`;
    case 'consume':
      return `${where}: consumer({ from: 'earliest' }).batches() over every partition, no group, re-reading the first ${job.records} records`;
    case 'e2e':
      return `${where}: open-loop producer.send at ${job.rate} records/s in arrays of ${job.requestBytes} B, acks=${job.acks}, consumer.batches() in the same process`;
  }
}

/** The embedded target's process, driven one job at a time. */
export class EmbeddedLoad {
  #nextId = 1;

  constructor(
    private readonly child: ChildProcess,
    readonly cpus: string | undefined,
  ) {}

  /** Runs a job; rejects if the process exits or the job outlives its time plus a minute. */
  run(job: EmbeddedJob, onLine?: (line: string) => void): Promise<EmbeddedReport> {
    const id = this.#nextId++;
    const timeoutMs = (job.warmupSeconds + job.durationSeconds) * 1000 + 60_000;
    return new Promise<EmbeddedReport>((resolve, reject) => {
      if (!this.child.connected) return reject(new Error(`the embedded target's process is gone (exit ${this.child.signalCode ?? this.child.exitCode})`));
      const done = () => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      const onMessage = (message: JobMessage) => {
        if (message.id !== id) return;
        if ('line' in message) return onLine?.(message.line);
        done();
        resolve(message.report);
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        done();
        reject(new Error(`the embedded target's process exited (${signal ?? code}) during a ${job.kind} job`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`the embedded ${job.kind} job did not report within ${timeoutMs} ms`));
      }, timeoutMs);
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send({ id, job } satisfies JobRequest, (e) => {
        if (!e) return;
        done();
        reject(e);
      });
    });
  }
}

export interface EmbeddedRun {
  scenario: string;
  target: string;
  repeat: number;
  job: EmbeddedJob;
  onLine?: (line: string) => void;
}

export async function runEmbedded(load: EmbeddedLoad, run: EmbeddedRun): Promise<Measurement> {
  const command = describeJob(run.job, load.cpus);
  const base = { scenario: run.scenario, target: run.target, loadGenerator: 'embedded' as const, metric: run.job.kind, repeat: run.repeat, command };
  const report = await load.run(run.job, run.onLine).catch((e: Error) => ({ error: e.message }) as EmbeddedReport);
  if (report.error !== undefined) return failed(base, report.error);
  return { ...base, ok: true, recordsPerSec: report.recordsPerSec, mbPerSec: report.mbPerSec, latency: report.latency, series: report.series, broker: null };
}
