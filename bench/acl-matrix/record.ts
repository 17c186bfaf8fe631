/**
 * Records Apache Kafka's answers to the ACL matrix into the golden file the gregor tests compare with,
 * keeping the file's known differences (they are written by hand, with their reasons).
 *
 *   npm run build:ts && node dist/bench/acl-matrix/record.js
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../lib/paths.js';
import { freePort } from '../lib/ports.js';
import { KAFKA_VERSION } from '../targets/kafka.js';
import { kafkaForMatrix } from './brokers.js';
import { formatGolden, type KnownDifference, type MatrixGolden, goldenPath } from './golden.js';
import { runAclMatrix } from './matrix.js';

const path = join(REPO_ROOT, goldenPath);
const previous: MatrixGolden | undefined = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
const knownDifferences: readonly KnownDifference[] = previous?.knownDifferences ?? [];

const target = kafkaForMatrix();
const unavailable = await target.unavailable();
if (unavailable) throw new Error(`cannot run Kafka: ${unavailable}`);
const dataRoot = mkdtempSync(join(tmpdir(), 'acl-matrix-'));
const kafka = await target.start({ dataRoot, port: await freePort() });
try {
  const started = Date.now();
  const cells = await runAclMatrix(kafka.bootstrap, { log: (line) => console.log(line) });
  const golden: MatrixGolden = {
    broker: `Apache Kafka ${KAFKA_VERSION}, KRaft, StandardAuthorizer, SASL_PLAINTEXT PLAIN, super.users=User:admin, allow.everyone.if.no.acl.found=false`,
    regenerate: 'npm run build:ts && node dist/bench/acl-matrix/record.js',
    knownDifferences,
    cells,
  };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, formatGolden(golden));
  console.log(`${Object.keys(cells).length} cells in ${((Date.now() - started) / 1000).toFixed(0)} s written to ${goldenPath}`);
} finally {
  await kafka.stop();
  rmSync(dataRoot, { recursive: true, force: true });
}
