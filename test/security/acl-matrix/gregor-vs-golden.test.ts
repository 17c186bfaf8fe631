// The ACL matrix against gregor, compared cell by cell with Apache Kafka's answers recorded in the golden file
// (its known differences are asserted too): runs without Kafka, in CI.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GREGOR_MATRIX_SETTINGS } from '../../../bench/acl-matrix/brokers.js';
import { compareAnswers, goldenPath, type MatrixGolden } from '../../../bench/acl-matrix/golden.js';
import { matrixCells, runAclMatrix } from '../../../bench/acl-matrix/matrix.js';
import { REPO_ROOT } from '../../../bench/lib/paths.js';
import { startBroker, type TestBroker } from '../../support/broker.js';

const golden: MatrixGolden = JSON.parse(readFileSync(join(REPO_ROOT, goldenPath), 'utf8'));
let broker: TestBroker;

beforeAll(async () => {
  broker = await startBroker(GREGOR_MATRIX_SETTINGS);
}, 60_000);

afterAll(async () => {
  await broker?.close();
});

it('the golden file holds every cell of the matrix', () => {
  expect(Object.keys(golden.cells)).toEqual(matrixCells().map((cell) => cell.name));
});

it('gregor answers every cell of the ACL matrix as Kafka 4.4 does', async () => {
  const answers = await runAclMatrix(broker.bootstrap);
  expect(compareAnswers(answers, golden.cells, golden.knownDifferences)).toEqual([]);
}, 600_000);
