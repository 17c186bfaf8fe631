// An idempotent producer's retry is validated before it is deduplicated (Kafka validates every batch first):
// a re-sent batch with the same producer id, epoch and sequence but a wrong CRC or records that do not parse
// is refused as a new batch would be (CORRUPT_MESSAGE, INVALID_RECORD), never answered as the duplicate of what is in the log.
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { native } from '../../src/storage/native.js';
import { useBrokerWithClient } from '../support/broker-with-client.js';

const server = useBrokerWithClient();

/** RecordBatch v2: the CRC field and the first byte it covers; the records follow the 61-byte header. */
const CRC_OFFSET = 17;
const CRC_START = 21;
const RECORDS_OFFSET = 61;

async function produce(topic: string, records: Buffer): Promise<{ errorCode: number; baseOffset: bigint }> {
  const response = await server.client.request(ApiKey.Produce, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  });
  return response.responses[0].partitionResponses[0];
}

function idempotentBatch(producerId: bigint): Buffer {
  return native.buildRecordBatch({ values: ['a', 'b', 'c'].map((v) => Buffer.from(v)) }, { producerId, producerEpoch: 0, baseSequence: 0 });
}

function withBadCrc(batch: Buffer): Buffer {
  const copy = Buffer.from(batch);
  copy.writeUInt32BE((copy.readUInt32BE(CRC_OFFSET) ^ 0xffff_ffff) >>> 0, CRC_OFFSET);
  return copy;
}

/** The same header, records replaced by bytes that do not parse, and a CRC that matches them. */
function withGarbageRecords(batch: Buffer): Buffer {
  const copy = Buffer.from(batch);
  copy.fill(0xff, RECORDS_OFFSET);
  copy.writeUInt32BE(native.crc32C(copy.subarray(CRC_START)), CRC_OFFSET);
  return copy;
}

describe('an idempotent retry that is not the batch it repeats', () => {
  it.each([
    ['a wrong CRC', withBadCrc, 11n, ErrorCode.CORRUPT_MESSAGE],
    ['garbage records under a valid CRC', withGarbageRecords, 12n, ErrorCode.INVALID_RECORD],
  ])('with %s is refused as a new batch would be, not answered as a duplicate', async (_, corrupt, producerId, refusal) => {
    const topic = `retry-${producerId}`;
    for (const name of [topic, `${topic}-fresh`]) await server.broker.broker.metadata.createTopic(name, { numPartitions: 1 });
    const original = idempotentBatch(producerId);
    expect(await produce(topic, original)).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n });
    const fresh = await produce(`${topic}-fresh`, corrupt(idempotentBatch(producerId)));
    expect(fresh.errorCode).toBe(refusal);

    const retry = await produce(topic, corrupt(original));
    expect(retry.errorCode).toBe(refusal);
    // The genuine retry is still a duplicate of offset 0, and nothing was appended.
    expect(await produce(topic, idempotentBatch(producerId))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n });
    expect(server.broker.broker.replicaManager.partition(topic, 0)!.logEndOffset).toBe(3n);
  });
});
