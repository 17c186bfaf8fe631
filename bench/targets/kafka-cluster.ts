/**
 * Apache Kafka as a three-broker benchmark target: three KRaft nodes on loopback, node 1 in combined mode
 * (broker and the only controller) and nodes 2 and 3 brokers only, ready once every node answers and node 1's
 * Metadata lists all three brokers. One controller voter rather than a three-voter quorum: it starts fastest
 * (no election among voters, one JVM fewer than a separate controller) and matches the gregor cluster's
 * single-member etcd. Every node is pinned to the broker cores; brokers stop before the controller, so each
 * can finish its controlled shutdown. Each node can be stopped and started again on its data (the catch-up bench).
 */
import { rmSync } from 'node:fs';
import { ephemeralPort, freePort } from '../lib/ports.js';
import { waitForBrokers } from '../drivers/admin.js';
import { clusterId, formatKafkaNode, KAFKA_JVM_FLAGS, KAFKA_VERSION, kafkaUnavailable, launchKafkaNode } from './kafka.js';
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
    const nodeOptions = ports.map((port, i) => ({
      target: this.name,
      dataRoot: options.dataRoot,
      cpus: options.cpus,
      clusterId: id,
      node: { nodeId: i + 1, port, controller },
      readyTimeoutMs: READY_TIMEOUT_MS,
    }));
    const dirs: string[] = [];
    /** The running nodes by node id; each keeps its data over a stop and start of its own. */
    const running = new Map<number, RunningBroker>();
    const launch = async (nodeId: number) => {
      running.set(nodeId, await launchKafkaNode(nodeOptions[nodeId - 1]!, dirs[nodeId - 1]!, false));
    };
    const stopNode = async (nodeId: number) => {
      await running.get(nodeId)?.stop();
      running.delete(nodeId);
    };
    // Brokers first: a broker whose controller has gone cannot finish its controlled shutdown.
    const stop = async () => {
      for (const nodeId of [...running.keys()].sort((a, b) => b - a)) await stopNode(nodeId);
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    };
    try {
      for (const o of nodeOptions) dirs.push(await formatKafkaNode(o));
      // The controller alone first: three JVMs starting together on one core take minutes.
      await launch(1);
      const brokers = await Promise.allSettled([2, 3].map(launch));
      const failed = brokers.find((b) => b.status === 'rejected');
      if (failed) throw failed.reason;
      await waitForBrokers(running.get(1)!.bootstrap, BROKERS, READY_TIMEOUT_MS);
    } catch (e) {
      await stop();
      throw e;
    }
    const bootstrap = running.get(1)!.bootstrap;
    return {
      target: this.name,
      bootstrap,
      get pids() {
        return [...running.values()].flatMap((n) => n.pids);
      },
      brokers: BROKERS,
      nodes: { stop: stopNode, start: launch },
      stop,
    };
  }
}
