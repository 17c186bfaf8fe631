/**
 * A producer held to its producer_byte_rate quota: an in-process broker with Kafka's quota windows (11 × 1 s)
 * and a `<default>` client-id quota, a kafkajs producer sending flat out (one send of 8 × 16 KiB in flight,
 * acks=1); prints the rate it achieved after the burst a new client is allowed, against the quota, and the
 * sockets it opened (a throttled client should keep its connection). A client sending flat out is let through
 * in bursts, one each time the window holding its previous burst expires (about every quota.window.num
 * windows): the rate is exact over many such cycles, while a 30 s measurement with 11 windows spans under
 * three of them and its error depends on where it starts.
 *
 *   npm run build:ts && node dist/bench/quotas/run.js [--rate 1048576] [--seconds 30] [--warmup 15] [--windows 11]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { Broker } from '../../src/broker/broker.js';
import { RawClient } from '../lib/raw-client.js';
import { produceFlatOut } from '../lib/throttled-producer.js';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '1048576' },
    seconds: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '15' },
    windows: { type: 'string', default: '11' },
  },
});
const rate = Number(args.rate);
const seconds = Number(args.seconds);
const warmupSeconds = Number(args.warmup);

const dataDir = mkdtempSync(join(tmpdir(), 'gregor-bench-quotas-'));
const broker = await Broker.start({
  config: { 'log.dir': dataDir, listeners: 'PLAINTEXT://127.0.0.1:0', 'quota.window.num': Number(args.windows) },
  logger: pino({ level: 'warn' }),
});
try {
  const admin = await RawClient.connect(broker.bootstrapServers!);
  const altered = await admin.request(49, 1, {
    entries: [{ entity: [{ entityType: 'client-id', entityName: null }], ops: [{ key: 'producer_byte_rate', value: rate, remove: false }] }],
    validateOnly: false,
  });
  admin.close();
  if (altered.entries[0].errorCode !== 0) throw new Error(`AlterClientQuotas failed: ${altered.entries[0].errorMessage}`);
  const result = await produceFlatOut({
    bootstrap: broker.bootstrapServers!,
    topic: 'quota-bench',
    clientId: 'quota-bench',
    seconds: seconds + warmupSeconds,
    warmupSeconds,
  });
  const sensor = [...broker.services.quotas.sensorStates()].find((s) => s.clientId === 'quota-bench');
  const deviation = ((result.bytesPerSecond - rate) / rate) * 100;
  process.stdout.write(
    `producer_byte_rate ${rate} B/s, ${args.windows} windows: achieved ${result.bytesPerSecond.toFixed(0)} B/s over ${result.measuredSeconds.toFixed(1)} s ` +
      `(${deviation >= 0 ? '+' : ''}${deviation.toFixed(1)}%), sockets opened ${result.socketsOpened}, ` +
      `throttled ${sensor?.throttledCount ?? 0} times for ${sensor?.throttleTimeMsTotal ?? 0} ms in all\n`,
  );
} finally {
  await broker.close();
  rmSync(dataDir, { recursive: true, force: true });
}
