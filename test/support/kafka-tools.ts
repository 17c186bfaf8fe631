/**
 * Kafka's own command-line tools (TopicCommand, ConfigCommand, LeaderElectionCommand, …) from the jars the
 * Kafka benchmark target keeps in bench/.cache, run as their scripts would. `kafkaToolsMissing` says why
 * such tests must be skipped, or is '' when java and the jars are there.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KAFKA_VERSION, kafkaClasspath, kafkaLibs } from '../../bench/targets/kafka.js';

const run = promisify(execFile);

const hasJava = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
const hasKafkaTools = existsSync(join(kafkaLibs(), `kafka-tools-${KAFKA_VERSION}.jar`));

export const kafkaToolsMissing = !hasJava
  ? 'skipped: no java on PATH'
  : !hasKafkaTools
    ? `skipped: no Kafka ${KAFKA_VERSION} jars in bench/.cache (the Kafka benchmark target fetches them)`
    : '';

/** Runs `org.apache.kafka.tools.<mainClass>` against `bootstrap`, without blocking this process's event loop (a broker's under test). */
export async function kafkaTool(bootstrap: string, mainClass: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('java', ['-Xmx256m', '-cp', kafkaClasspath(), `org.apache.kafka.tools.${mainClass}`, '--bootstrap-server', bootstrap, ...args], {
    timeout: 60_000,
  });
  return stdout;
}
