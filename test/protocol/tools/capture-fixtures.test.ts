/**
 * Captures the codec fixtures in test/protocol/fixtures: runs kafkajs and @platformatic/kafka (in process,
 * the second for flexible versions) and Debian's kcat
 * against the capture broker and writes the first request frame of each API version as hex, one file per
 * frame, in a folder named after the client and its version. A tool, not a test: it runs only when asked,
 *
 *   GREGOR_CAPTURE_FIXTURES=1 npx vitest run test/protocol/tools/capture-fixtures.test.ts
 *
 * and its output is reviewed and committed by hand.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { describe, it } from 'vitest';
import { ApiKey } from '../../../src/protocol/api-keys.js';
import { CaptureBroker } from './capture-broker.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '../fixtures');

function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(join(here, '../../../node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}
const TOPIC = 'fixture-topic';
const GROUP = 'fixture-group';

function kebab(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
}

function save(broker: CaptureBroker, client: string): void {
  const dir = join(fixtures, client);
  mkdirSync(dir, { recursive: true });
  for (const { apiKey, apiVersion, frame } of broker.frames.values()) {
    const name = `${String(apiKey).padStart(2, '0')}-${kebab(ApiKey[apiKey]!)}-v${apiVersion}.hex`;
    writeFileSync(join(dir, name), `${frame.toString('hex')}\n`);
  }
}

async function until(condition: () => boolean, what: string, broker: CaptureBroker, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; requests so far: ${broker.log.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Runs kcat to completion (or kills it once `done` holds), feeding it `input`. */
async function kcat(broker: CaptureBroker, args: string[], input: string, done?: () => boolean): Promise<void> {
  const child = spawn('kcat', args, { stdio: ['pipe', 'ignore', 'inherit'] });
  child.stdin.end(input);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (done) {
    await until(done, `kcat ${args.join(' ')}`, broker);
    child.kill('SIGTERM');
  }
  await exited;
}

describe.runIf(process.env.GREGOR_CAPTURE_FIXTURES === '1')('capture client request frames', () => {
  it('kafkajs', async () => {
    const version = packageVersion('kafkajs');
    const broker = new CaptureBroker();
    await broker.start();
    const kafka = new Kafka({ clientId: 'fixture-kafkajs', brokers: [`127.0.0.1:${broker.port}`], logLevel: logLevel.NOTHING, retry: { retries: 1 } });

    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 1 }] });
    await admin.describeConfigs({ resources: [{ type: 2, name: TOPIC }], includeSynonyms: false });
    await admin.deleteTopics({ topics: [TOPIC] });
    await admin.disconnect();

    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic: TOPIC, acks: -1, messages: [{ key: 'k1', value: 'v1', headers: { h: '1' }, timestamp: '1700000000000' }] });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: GROUP });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({ eachMessage: async () => {} });
    await until(() => broker.has(ApiKey.Fetch), 'a kafkajs Fetch', broker);
    await consumer.disconnect();

    save(broker, `kafkajs-${version}`);
    await broker.stop();
  });

  it('@platformatic/kafka', async () => {
    const version = packageVersion('@platformatic/kafka');
    const broker = new CaptureBroker();
    await broker.start();
    const common = { clientId: 'fixture-platformatic', bootstrapBrokers: [`127.0.0.1:${broker.port}`] };

    const admin = new Admin(common);
    await admin.createTopics({ topics: [TOPIC], partitions: 1, replicas: 1 });
    await admin.describeConfigs({ resources: [{ resourceType: 2, resourceName: TOPIC }] });
    await admin.listGroups();
    await admin.describeGroups({ groups: [GROUP] });
    await admin.deleteGroups({ groups: [GROUP] });
    await admin.deleteTopics({ topics: [TOPIC] });
    await admin.close();

    const producer = new Producer({ ...common, serializers: stringSerializers, idempotent: true });
    await producer.send({ messages: [{ topic: TOPIC, key: 'k1', value: 'v1', headers: { h: '1' }, timestamp: 1_700_000_000_000n }] });
    await producer.close();

    const consumer = new Consumer({ ...common, groupId: GROUP, deserializers: stringDeserializers });
    const stream = await consumer.consume({ topics: [TOPIC], autocommit: true });
    // A consumer stream fetches only once read.
    stream.resume();
    await until(() => broker.has(ApiKey.Fetch), 'a platformatic Fetch', broker);
    await stream.close();
    await consumer.close(true);

    save(broker, `platformatic-kafka-${version}`);
    await broker.stop();
  });

  it('kcat (librdkafka)', async () => {
    const broker = new CaptureBroker();
    await broker.start();
    const bootstrap = ['-b', `127.0.0.1:${broker.port}`, '-X', 'client.id=fixture-kcat'];
    await kcat(broker, [...bootstrap, '-L'], '');
    await kcat(broker, [...bootstrap, '-P', '-t', TOPIC, '-K:', '-z', 'gzip'], 'k1:v1\n');
    await kcat(broker, [...bootstrap, '-P', '-t', TOPIC, '-X', 'enable.idempotence=true'], 'v2\n');
    await kcat(broker, [...bootstrap, '-C', '-t', TOPIC, '-o', 'beginning', '-e'], '');
    await kcat(
      broker,
      [...bootstrap, '-G', GROUP, TOPIC],
      '',
      () => broker.has(ApiKey.Fetch) && broker.has(ApiKey.OffsetFetch) && broker.has(ApiKey.SyncGroup),
    );

    const version = await new Promise<string>((resolve) => {
      const child = spawn('kcat', ['-V'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.once('exit', () => resolve(/librdkafka (\d+\.\d+\.\d+)/.exec(out)?.[1] ?? 'unknown'));
    });
    save(broker, `kcat-librdkafka-${version}`);
    await broker.stop();
  });
});
