/**
 * `gregor produce`: one record per input line (stdin or a file), optionally split into key and value, with
 * fixed headers, an explicit partition, compression and acks. Lines are sent in batches of about 1 MiB, one
 * batch in flight at a time so records keep their input order within each partition.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { compressionsAlgorithms, type MessageToProduce } from '@platformatic/kafka';
import { CliError, EXIT_USAGE } from '../errors.js';
import { createProducer } from '../kafka-client.js';
import { parseKeyValue } from '../key-value.js';
import { startProgress } from '../progress.js';
import { missingTopicOr } from '../topics.js';

type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface ProduceOptions {
  readonly file?: string;
  readonly keySeparator?: string;
  readonly header?: string[];
  readonly partition?: number;
  readonly compression: Compression;
  readonly acks: 'all' | '-1' | '0' | '1';
}

const BATCH_BYTES = 1024 * 1024;
const BATCH_RECORDS = 10_000;

export async function produce(brokers: string[], topic: string, options: ProduceOptions): Promise<void> {
  const headers = new Map(
    (options.header ?? []).map((text) => {
      const [key, value] = parseKeyValue(text, '--header');
      return [Buffer.from(key), Buffer.from(value)] as const;
    }),
  );
  if (!compressionsAlgorithms[options.compression].available) {
    throw new CliError(
      `${options.compression} compression is not available on Node.js ${process.versions.node}`,
      'zstd needs Node.js 22.15 or later; gzip, snappy and lz4 work everywhere',
      EXIT_USAGE,
    );
  }
  const acks = options.acks === 'all' ? -1 : Number(options.acks);
  // As Kafka's clients do, ask for the topic to be created on use; the broker decides (auto.create.topics.enable).
  const producer = createProducer(brokers, { acks, compression: options.compression, autocreateTopics: true });
  const input = options.file === undefined ? process.stdin : createReadStream(options.file);
  // Lines typed at a terminal are sent as they are entered rather than when the input ends.
  const interactive = options.file === undefined && process.stdin.isTTY === true;
  const progress = startProgress({ totalBytes: options.file === undefined ? undefined : (await stat(options.file)).size });
  let batch: MessageToProduce<Buffer, Buffer, Buffer, Buffer>[] = [];
  let batchBytes = 0;
  let records = 0;
  let bytes = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    await producer.send({ messages: batch });
    records += batch.length;
    bytes += batchBytes;
    batch = [];
    batchBytes = 0;
    progress.update(records, bytes);
  };
  try {
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      batch.push(toMessage(topic, line, options, headers));
      batchBytes += Buffer.byteLength(line) + 1;
      if (interactive || batchBytes >= BATCH_BYTES || batch.length >= BATCH_RECORDS) await flush();
    }
    await flush();
  } catch (error) {
    throw await missingTopicOr(brokers, [topic], error);
  } finally {
    progress.stop('produced');
    await producer.close();
  }
}

function toMessage(topic: string, line: string, options: ProduceOptions, headers: Map<Buffer, Buffer>): MessageToProduce<Buffer, Buffer, Buffer, Buffer> {
  const sep = options.keySeparator === undefined ? -1 : line.indexOf(options.keySeparator);
  const message: MessageToProduce<Buffer, Buffer, Buffer, Buffer> = {
    topic,
    key: sep < 0 ? undefined : Buffer.from(line.slice(0, sep)),
    value: Buffer.from(sep < 0 ? line : line.slice(sep + options.keySeparator!.length)),
  };
  if (headers.size > 0) message.headers = headers;
  if (options.partition !== undefined) message.partition = options.partition;
  return message;
}
