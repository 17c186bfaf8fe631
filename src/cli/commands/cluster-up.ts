/**
 * `gregor cluster up`: a local cluster (etcd from PATH and N brokers on loopback) in the foreground; prints
 * the bootstrap servers and stops everything on SIGINT (Ctrl-C) or SIGTERM.
 */
import { LocalCluster } from '../cluster/local-cluster.js';

export interface UpOptions {
  readonly brokers: number;
  readonly dataDir?: string;
  readonly basePort?: number;
  readonly clusterName: string;
}

export async function up(options: UpOptions): Promise<void> {
  const stop = new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal));
  });
  process.stdout.write(`starting etcd and ${options.brokers} brokers...\n`);
  const cluster = await LocalCluster.start({
    brokers: options.brokers,
    dataDir: options.dataDir,
    basePort: options.basePort,
    clusterName: options.clusterName,
    // The terminal's Ctrl-C reaches this process only, which stops the brokers before etcd.
    ownProcessGroups: true,
  });
  process.stdout.write(
    [
      `cluster ${cluster.clusterName} is up: Kafka clients connect to ${cluster.bootstrapServers}`,
      `etcd at ${cluster.etcd.endpoint}; data and broker logs in ${cluster.dataDir}${options.dataDir === undefined ? ' (removed on exit)' : ''}`,
      ...cluster.brokers.map((b) => `  broker ${b.nodeId}: ${b.bootstrap}, pid ${b.pid}, log ${b.logFile}`),
      `try: gregor cluster info --bootstrap-server ${cluster.bootstrapServers}`,
      'Ctrl-C stops the brokers, then etcd',
      '',
    ].join('\n'),
  );
  await stop;
  process.stdout.write('stopping the brokers, then etcd...\n');
  await cluster.close();
  process.stdout.write('stopped\n');
}
