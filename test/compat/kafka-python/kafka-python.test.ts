// kafka-python 2.0.2 from Debian (run by /usr/bin/python3): version probing, gzip produce, fetch from the start.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type TestBroker } from '../../support/broker.js';

const run = promisify(execFile);
let broker: TestBroker;

beforeAll(async () => {
  broker = await startBroker();
});

afterAll(async () => {
  await broker?.close();
});

const SCRIPT = `
import json, sys
from kafka import KafkaProducer, KafkaConsumer, TopicPartition
bootstrap, topic = sys.argv[1], sys.argv[2]
p = KafkaProducer(bootstrap_servers=bootstrap, compression_type='gzip', acks='all')
sent = [p.send(topic, key=b'k%d' % i, value=b'v%d' % i).get(10) for i in range(20)]
p.close()
c = KafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset='earliest', consumer_timeout_ms=3000)
tp = TopicPartition(topic, 0)
c.assign([tp])
c.seek_to_beginning(tp)
got = [(m.offset, m.key.decode(), m.value.decode()) for m in c]
c.close()
print(json.dumps({'offsets': [s.offset for s in sent], 'got': got, 'version': list(p.config['api_version'])}))
`;

describe.skipIf(!existsSync('/usr/bin/python3'))('kafka-python (Debian python3-kafka)', () => {
  it('produces with gzip and consumes from the beginning', async () => {
    const { stdout } = await run('/usr/bin/python3', ['-c', SCRIPT, broker.bootstrap, 'kafka-python'], { timeout: 60_000 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(result.offsets).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(result.got).toEqual(Array.from({ length: 20 }, (_, i) => [i, `k${i}`, `v${i}`]));
    // The broker-version probe must land on a version that uses message format v2 (≥ 0.11).
    expect(result.version[0] > 0 || result.version[1] >= 11).toBe(true);
  });
});
