// @platformatic/kafka 1.35 (flexible versions only: Metadata ≥9, Produce ≥9, CreateTopics 7, DeleteTopics 6):
// topic admin and idempotent, keyed produce, read back with kcat.
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type TestBroker } from '../../support/broker.js';
import { consumeAll } from '../../support/kcat.js';

let broker: TestBroker;

beforeAll(async () => {
  broker = await startBroker();
});

afterAll(async () => {
  await broker?.close();
});

describe('@platformatic/kafka', () => {
  it('creates, lists and deletes topics', async () => {
    const admin = new Admin({ clientId: 'gregor-test', bootstrapBrokers: [broker.bootstrap] });
    try {
      const created = await admin.createTopics({ topics: ['plt-admin'], partitions: 4, replicas: 1 });
      expect(created[0]).toMatchObject({ name: 'plt-admin', partitions: 4 });
      expect(await admin.listTopics()).toContain('plt-admin');
      await admin.deleteTopics({ topics: ['plt-admin'] });
      expect(await admin.listTopics()).not.toContain('plt-admin');
    } finally {
      await admin.close();
    }
  });

  it('produces keyed records idempotently with flexible Produce and Metadata', async () => {
    const admin = new Admin({ clientId: 'gregor-test', bootstrapBrokers: [broker.bootstrap] });
    await admin.createTopics({ topics: ['plt-keyed'], partitions: 3, replicas: 1 });
    await admin.close();
    const producer = new Producer({ clientId: 'gregor-test', bootstrapBrokers: [broker.bootstrap], serializers: stringSerializers, idempotent: true });
    try {
      for (let round = 0; round < 3; round++) {
        await producer.send({
          messages: Array.from({ length: 10 }, (_, i) => ({ topic: 'plt-keyed', key: `k${i}`, value: `v${i}-${round}`, headers: { round: String(round) } })),
        });
      }
    } finally {
      await producer.close();
    }
    const records = await consumeAll(broker.bootstrap, 'plt-keyed');
    expect(records).toHaveLength(30);
    for (let i = 0; i < 10; i++) {
      const forKey = records.filter((r) => r.key === `k${i}`);
      expect(new Set(forKey.map((r) => r.partition)).size).toBe(1);
      expect(forKey.map((r) => r.payload)).toEqual([0, 1, 2].map((round) => `v${i}-${round}`));
      expect(forKey.map((r) => r.headers)).toEqual([0, 1, 2].map((round) => ['round', String(round)]));
    }
  });
});
