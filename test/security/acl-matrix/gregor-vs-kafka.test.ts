// The ACL matrix against gregor and a live Apache Kafka 4.4 configured alike, compared cell by cell (with the
// golden file's known differences): skipped without java and the Kafka jars in bench/.cache.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GREGOR_MATRIX_SETTINGS, kafkaForMatrix } from '../../../bench/acl-matrix/brokers.js';
import { compareAnswers, goldenPath, type MatrixGolden } from '../../../bench/acl-matrix/golden.js';
import { runAclMatrix } from '../../../bench/acl-matrix/matrix.js';
import { REPO_ROOT } from '../../../bench/lib/paths.js';
import { freePort } from '../../../bench/lib/ports.js';
import type { RunningBroker } from '../../../bench/targets/target.js';
import { startBroker, type TestBroker } from '../../support/broker.js';
import { kafkaToolsMissing } from '../../support/kafka-tools.js';

const golden: MatrixGolden = JSON.parse(readFileSync(join(REPO_ROOT, goldenPath), 'utf8'));
const dataRoot = mkdtempSync(join(tmpdir(), 'acl-matrix-kafka-'));
let kafka: RunningBroker | undefined;
let gregor: TestBroker | undefined;

beforeAll(async () => {
  if (kafkaToolsMissing) return;
  kafka = await kafkaForMatrix().start({ dataRoot, port: await freePort() });
  gregor = await startBroker(GREGOR_MATRIX_SETTINGS);
}, 300_000);

afterAll(async () => {
  await kafka?.stop();
  await gregor?.close();
  rmSync(dataRoot, { recursive: true, force: true });
}, 60_000);

it.skipIf(kafkaToolsMissing !== '')(
  'gregor answers every cell of the ACL matrix as a live Kafka 4.4 does',
  async () => {
    const fromKafka = await runAclMatrix(kafka!.bootstrap);
    const fromGregor = await runAclMatrix(gregor!.bootstrap);
    // The live Kafka still answers as the recorded one: otherwise the golden file needs recording again.
    expect(compareAnswers(fromKafka, golden.cells)).toEqual([]);
    expect(compareAnswers(fromGregor, fromKafka, golden.knownDifferences)).toEqual([]);
  },
  900_000,
);
