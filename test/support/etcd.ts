/**
 * The etcd tests start (bench/lib/etcd.ts, shared with the cluster benchmarks), and `useEtcd`: one etcd for
 * the tests of a describe block, started before them and destroyed with its data after them.
 */
import { afterAll, beforeAll } from 'vitest';
import { EtcdProcess } from '../../bench/lib/etcd.js';

export { EtcdProcess as TestEtcd, etcdMissing } from '../../bench/lib/etcd.js';

/** The describe block's etcd, as its tests and hooks use it. */
export type SharedEtcd = Pick<EtcdProcess, 'endpoint' | 'stop' | 'restart'>;

/**
 * Starts an etcd in a beforeAll of the describe block it is called in (before the block's own, registered
 * after it) and destroys it in an afterAll (after the block's own: vitest runs them in reverse order).
 */
export function useEtcd(): SharedEtcd {
  let etcd: EtcdProcess | undefined;
  beforeAll(async () => {
    etcd = await EtcdProcess.start();
  });
  afterAll(async () => {
    await etcd?.destroy();
  });
  const started = (): EtcdProcess => {
    if (!etcd) throw new Error('the etcd of useEtcd starts in beforeAll: use it in tests and hooks');
    return etcd;
  };
  return {
    get endpoint() {
      return started().endpoint;
    },
    stop: (signal) => started().stop(signal),
    restart: () => started().restart(),
  };
}
