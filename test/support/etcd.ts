/** The etcd tests start (bench/lib/etcd.ts, shared with the cluster benchmarks). */
export { EtcdProcess as TestEtcd, etcdMissing } from '../../bench/lib/etcd.js';
