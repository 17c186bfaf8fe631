/**
 * Apache Kafka as a three-broker benchmark target: three KRaft nodes on loopback, node 1 in combined mode
 * (broker and the only controller) and nodes 2 and 3 brokers only, ready once every node answers and node 1's
 * Metadata lists all three brokers. One controller voter rather than a three-voter quorum: it starts fastest
 * (no election among voters, one JVM fewer than a separate controller) and matches the gregor cluster's
 * single-member etcd. Every node is pinned to the broker cores; brokers stop before the controller, so each
 * can finish its controlled shutdown.
 */
import { ephemeralPort, freePort } from '../lib/ports.js';
import { waitForBrokers } from '../drivers/admin.js';
import { clusterId, KAFKA_JVM_FLAGS, KAFKA_VERSION, kafkaUnavailable, startKafkaNode } from './kafka.js';
import type { RunningBroker, StartOptions, Target } from './target.js';

const BROKERS = 3;
/** Per node, and for all three to register: JVMs start slowly on a shared core. */
const READY_TIMEOUT_MS = 300_000;

export class KafkaClusterTarget implements Target {
  readonly name = 'kafka-cluster';

  describe(): Record<string, string> {
    return {
      broker: `Apache Kafka ${KAFKA_VERSION} (Maven Central jars), ${BROKERS} KRaft brokers; node 1 also the single controller (combined mode)`,
      jvm: `${KAFKA_JVM_FLAGS.join(' ')} (each broker)`,
      durability: 'Kafka defaults: log.flush.interval.messages/ms unset (page cache, OS writeback); acks=all acknowledges when every ISR member has the batch',
    };
  }

  unavailable(): Promise<string | null> {
    return kafkaUnavailable();
  }

  async start(options: StartOptions): Promise<RunningBroker> {
    const controller = { nodeId: 1, port: options.port + 1 };
    const ports = [options.port, await freePort(), await ephemeralPort()];
    const id = clusterId();
    const start = (port: number, i: number) =>
      startKafkaNode({
        target: this.name,
        dataRoot: options.dataRoot,
        cpus: options.cpus,
        clusterId: id,
        node: { nodeId: i + 1, port, controller },
        readyTimeoutMs: READY_TIMEOUT_MS,
      });
    const started: RunningBroker[] = [];
    // Brokers first: a broker whose controller has gone cannot finish its controlled shutdown.
    const stop = async () => {
      for (const node of [...started].reverse()) await node.stop();
    };
    try {
      // The controller alone first: three JVMs starting together on one core take minutes.
      started.push(await start(ports[0]!, 0));
      const brokers = await Promise.allSettled(ports.slice(1).map((port, i) => start(port, i + 1)));
      for (const b of brokers) if (b.status === 'fulfilled') started.push(b.value);
      const failed = brokers.find((b) => b.status === 'rejected');
      if (failed) throw failed.reason;
      await waitForBrokers(started[0]!.bootstrap, BROKERS, READY_TIMEOUT_MS);
    } catch (e) {
      await stop();
      throw e;
    }
    const bootstrap = started[0]!.bootstrap;
    return { target: this.name, bootstrap, pids: started.flatMap((n) => n.pids), brokers: BROKERS, stop };
  }
}
