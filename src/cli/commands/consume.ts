/**
 * `gregor consume`: reads records and prints them with a kcat-style format string or as JSON lines.
 * With --group it consumes as a member of that group and commits what it printed (each second and on exit);
 * without one it uses a throwaway group and commits nothing, as kafka-console-consumer does.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import {
  type CommitOptionsPartition,
  type ConsumeOptions,
  type Consumer,
  type Message,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
} from '@platformatic/kafka';
import { createConsumer, withAdmin } from '../kafka-client.js';
import { parsePosition, resolvePosition, type Position } from '../offsets.js';
import { missingTopicOr, partitionsOf } from '../topics.js';
import { compileFormat, jsonLine, type ConsumedRecord, type RecordFormatter } from '../output/record-format.js';
import { startProgress } from '../progress.js';

export interface ConsumeCommandOptions {
  readonly group?: string;
  readonly offset?: string;
  readonly num?: number;
  readonly format: string;
}

const COMMIT_INTERVAL_MS = 1000;

export async function consume(brokers: string[], topics: string[], options: ConsumeCommandOptions): Promise<void> {
  const format: RecordFormatter = options.format === 'json' ? jsonLine : compileFormat(options.format === 'text' ? '%s\\n' : options.format);
  const position = options.offset === undefined ? undefined : parsePosition(options.offset);
  const startAt = await startOptions(brokers, topics, position, options.group !== undefined);
  const consumer = createConsumer(brokers, options.group ?? `gregor-consume-${randomUUID().slice(0, 8)}`);
  const commits = options.group === undefined ? undefined : new PendingCommits(consumer);
  const progress = startProgress();
  let stopping = false;
  let outputError: NodeJS.ErrnoException | undefined;
  let printed = 0;
  let bytes = 0;
  try {
    const stream = await consumer.consume({ topics, autocommit: false, ...startAt });
    const stop = (): void => {
      stopping = true;
      void stream.close();
    };
    const onOutputError = (error: NodeJS.ErrnoException): void => {
      outputError ??= error;
      stop();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.stdout.on('error', onOutputError);
    // A failed periodic commit is retried by the next one; the final commit reports its error.
    const committer = setInterval(() => void commits?.commit().catch(() => {}), COMMIT_INTERVAL_MS);
    try {
      for await (const message of stream) {
        if (stopping) break;
        // A failed write rejects the wait too; onOutputError has recorded it and stopped the stream.
        if (!process.stdout.write(format(toRecord(message)))) await once(process.stdout, 'drain').catch(() => undefined);
        commits?.printed(message);
        printed++;
        bytes += message.value?.length ?? 0;
        progress.update(printed, bytes);
        if (options.num !== undefined && printed >= options.num) break;
      }
    } finally {
      clearInterval(committer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stdout.off('error', onOutputError);
    }
    // EPIPE: the reader went away (`| head`), an ordinary way to stop reading.
    if (outputError && outputError.code !== 'EPIPE') throw outputError;
    await commits?.commit();
  } catch (error) {
    throw await missingTopicOr(brokers, topics, error);
  } finally {
    progress.stop('consumed');
    await consumer.close(true);
  }
}

/** The group's progress not yet committed: for each partition, the offset after the last record printed. */
class PendingCommits {
  readonly #consumer: Consumer<Buffer, Buffer, Buffer, Buffer>;
  readonly #pending = new Map<string, CommitOptionsPartition>();

  constructor(consumer: Consumer<Buffer, Buffer, Buffer, Buffer>) {
    this.#consumer = consumer;
  }

  printed(message: Message<Buffer, Buffer, Buffer, Buffer>): void {
    this.#pending.set(`${message.topic}:${message.partition}`, {
      topic: message.topic,
      partition: message.partition,
      offset: message.offset + 1n,
      leaderEpoch: -1,
    });
  }

  async commit(): Promise<void> {
    if (this.#pending.size === 0) return;
    const offsets = [...this.#pending.values()];
    this.#pending.clear();
    try {
      await this.#consumer.commit({ offsets });
    } catch (error) {
      // Keep what failed for the next attempt unless a later record of that partition superseded it.
      for (const o of offsets) if (!this.#pending.has(`${o.topic}:${o.partition}`)) this.#pending.set(`${o.topic}:${o.partition}`, o);
      throw error;
    }
  }
}

/** How the stream starts: the group's commits (falling back to the start), or offsets resolved up front. */
async function startOptions(
  brokers: string[],
  topics: string[],
  position: Position | undefined,
  grouped: boolean,
): Promise<Pick<ConsumeOptions<Buffer, Buffer, Buffer, Buffer>, 'mode' | 'fallbackMode' | 'offsets'>> {
  if (position === undefined && grouped) return { mode: MessagesStreamModes.COMMITTED, fallbackMode: MessagesStreamFallbackModes.EARLIEST };
  if (position === undefined || position.kind === 'start') return { mode: MessagesStreamModes.EARLIEST };
  if (position.kind === 'end') return { mode: MessagesStreamModes.LATEST };
  const offsets = await withAdmin(brokers, async (admin) => {
    const all = [];
    for (const topic of topics) {
      const resolved = await resolvePosition(admin, topic, await partitionsOf(admin, topic), position);
      for (const [partition, offset] of resolved) all.push({ topic, partition, offset });
    }
    return all;
  });
  return { mode: MessagesStreamModes.MANUAL, offsets };
}

function toRecord(message: Message<Buffer, Buffer, Buffer, Buffer>): ConsumedRecord {
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    timestamp: message.timestamp,
    key: message.key ?? null,
    value: message.value ?? null,
    headers: [...message.headers],
  };
}
