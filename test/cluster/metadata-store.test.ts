// One suite for every metadata store (local file, etcd): etcd's semantics for CAS, watches from a revision,
// leases, prefixes per cluster and elections; for etcd also a restart of etcd under a running client.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { campaign, currentLeader } from '../../src/cluster/store/election.js';
import { EtcdMetadataStore } from '../../src/cluster/store/etcd-store.js';
import { LocalMetadataStore } from '../../src/cluster/store/local-store.js';
import {
  CompactedError,
  type KeyValue,
  LeaseNotFoundError,
  MAX_TXN_OPS,
  type MetadataStore,
  type Txn,
  TxnTooLargeError,
  type WatchEvent,
} from '../../src/cluster/store/metadata-store.js';
import { openMetadataStore } from '../../src/cluster/store/open-store.js';
import { PrefixedStore, clusterPrefix } from '../../src/cluster/store/prefixed-store.js';
import { SharedMetadata } from '../../src/cluster/store/shared-metadata.js';
import { BrokerConfig } from '../../src/config/broker-config.js';
import { ErrorCode, KafkaError } from '../../src/protocol/error-codes.js';
import { TestEtcd, etcdMissing, etcdStoreSettings } from '../support/etcd.js';
import { pollUntil } from '../support/poll.js';

/** Where the stores of one test live: `open` gives a client of the shared backing store for a cluster id. */
interface Backend {
  open(clusterId: string): Promise<MetadataStore>;
  close(): Promise<void>;
  readonly etcd?: TestEtcd;
}

const backends: { readonly name: string; readonly skip: string | undefined; readonly start: () => Promise<Backend> }[] = [
  {
    name: 'local',
    skip: undefined,
    start: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gregor-store-'));
      const inner = await LocalMetadataStore.open(join(dir, 'metadata.json'));
      return {
        open: async (clusterId) => new PrefixedStore(inner, clusterPrefix(clusterId)),
        close: async () => {
          await inner.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'etcd',
    skip: etcdMissing,
    start: async () => {
      const etcd = await TestEtcd.start();
      const clients: MetadataStore[] = [];
      return {
        etcd,
        open: async (clusterId) => {
          const client = new PrefixedStore(new EtcdMetadataStore([etcd.endpoint]), clusterPrefix(clusterId));
          clients.push(client);
          return client;
        },
        close: async () => {
          await Promise.all(clients.map((client) => client.close()));
          await etcd.destroy();
        },
      };
    },
  },
];

/** Collects a watch's events, checking each batch is in revision order. */
function recorder(): { events: WatchEvent[]; onEvents: (batch: readonly WatchEvent[]) => void } {
  const events: WatchEvent[] = [];
  return { events, onEvents: (batch) => void events.push(...batch) };
}

function summary(events: readonly WatchEvent[]): string[] {
  return events.map((event) => `${event.type} ${event.kv.key}${event.type === 'put' ? `=${event.kv.value}` : ''}`);
}

function expectRevisionOrder(events: readonly WatchEvent[]): void {
  const revisions = events.map((event) => event.kv.modRevision);
  expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
}

for (const backend of backends) {
  describe.skipIf(backend.skip !== undefined)(`metadata store: ${backend.name}${backend.skip ? ` (skipped: ${backend.skip})` : ''}`, () => {
    let current: Backend;
    let store: MetadataStore;
    beforeEach(async () => {
      current = await backend.start();
      store = await current.open('cluster-a');
    });
    afterEach(async () => {
      await current.close();
    });

    it('creates a key only once and updates it only against the revision it read', async () => {
      const absent = { key: 'topics/t', target: 'createRevision', result: '=', value: 0 } as const;
      const created = await store.txn({ compare: [absent], success: [{ type: 'put', key: 'topics/t', value: 'v1' }] });
      expect(created.succeeded).toBe(true);
      const again = await store.txn({ compare: [absent], success: [{ type: 'put', key: 'topics/t', value: 'other' }] });
      expect(again.succeeded).toBe(false);
      const v1 = (await store.get('topics/t'))!;
      expect(v1).toMatchObject({ value: 'v1', version: 1, createRevision: created.revision, modRevision: created.revision });

      const cas = (read: KeyValue, value: string) =>
        store.txn({
          compare: [{ key: read.key, target: 'modRevision', result: '=', value: read.modRevision }],
          success: [{ type: 'put', key: read.key, value }],
          failure: [{ type: 'put', key: 'conflicts/t', value }],
        });
      const updated = await cas(v1, 'v2');
      expect(updated.succeeded).toBe(true);
      const stale = await cas(v1, 'v3');
      expect(stale.succeeded).toBe(false);
      expect((await store.get('conflicts/t'))?.value).toBe('v3');
      expect(await store.get('topics/t')).toMatchObject({ value: 'v2', version: 2, createRevision: created.revision, modRevision: updated.revision });

      const v2 = (await store.get('topics/t'))!;
      const removed = await store.txn({
        compare: [{ key: 'topics/t', target: 'version', result: '=', value: 2 }],
        success: [{ type: 'delete', key: 'topics/t' }],
      });
      expect(removed.succeeded).toBe(true);
      expect(removed.revision).toBeGreaterThan(v2.modRevision);
      expect(await store.get('topics/t')).toBeUndefined();
    });

    it('serialises concurrent compare-and-swap writers: every increment lands once', async () => {
      await store.put('counter', '0');
      const increment = async (): Promise<number> => {
        for (;;) {
          const read = (await store.get('counter'))!;
          const next = Number(read.value) + 1;
          const { succeeded } = await store.txn({
            compare: [{ key: 'counter', target: 'modRevision', result: '=', value: read.modRevision }],
            success: [{ type: 'put', key: 'counter', value: String(next) }],
          });
          if (succeeded) return next;
        }
      };
      const results = await Promise.all(Array.from({ length: 8 }, increment));
      expect([...results].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect((await store.get('counter'))?.value).toBe('8');
    });

    it('lists by prefix in key order with the revision read', async () => {
      await store.put('brokers/2', 'b');
      await store.put('brokers/1', 'a');
      const last = await store.put('topics/x', 'x');
      const listed = await store.range('brokers/');
      expect(listed.kvs.map((kv) => [kv.key, kv.value])).toEqual([
        ['brokers/1', 'a'],
        ['brokers/2', 'b'],
      ]);
      expect(listed.revision).toBe(last);
    });

    it('delivers every change after a revision, in revision order, then live changes', async () => {
      for (let i = 0; i < 5; i++) await store.put(`p/${i}`, `a${i}`);
      const { revision } = await store.range('p/');
      for (let i = 5; i < 10; i++) await store.put(`p/${i}`, `a${i}`);
      await store.put('other/x', 'ignored');
      await store.txn({
        compare: [],
        success: [
          { type: 'delete', key: 'p/0' },
          { type: 'put', key: 'p/1', value: 'b1' },
        ],
      });

      const seen = recorder();
      const watch = await store.watch('p/', { fromRevision: revision + 1, onEvents: seen.onEvents });
      await store.put('p/10', 'a10');
      await pollUntil(() => seen.events.length === 8, 'eight events');
      await watch.cancel();
      expect(summary(seen.events)).toEqual(['put p/5=a5', 'put p/6=a6', 'put p/7=a7', 'put p/8=a8', 'put p/9=a9', 'delete p/0', 'put p/1=b1', 'put p/10=a10']);
      expectRevisionOrder(seen.events);
      // A transaction's changes share its revision.
      expect(seen.events[5]!.kv.modRevision).toBe(seen.events[6]!.kv.modRevision);
    });

    it('removes a lease’s keys when it expires, and keeps those of a lease kept alive', async () => {
      const granted = Date.now();
      const expiring = await store.grantLease(1, { keepAlive: false });
      const kept = await store.grantLease(1);
      // A lease's holder knows it alive for its TTL from the grant, and from each acknowledged renewal.
      expect(expiring.expiresAt()).toBeGreaterThanOrEqual(granted + 1_000);
      expect(expiring.expiresAt()).toBeLessThanOrEqual(Date.now() + 1_000);
      const lastKnown = kept.expiresAt();
      await pollUntil(() => kept.expiresAt() > lastKnown, 'the kept lease’s automatic renewal');
      await store.put('brokers/1', 'expiring', { lease: expiring.id });
      await store.put('brokers/2', 'kept', { lease: kept.id });
      const seen = recorder();
      const watch = await store.watch('brokers/', { onEvents: seen.onEvents });
      let lost: Error | undefined;
      kept.onLost((error) => (lost = error));

      await pollUntil(async () => (await store.get('brokers/1')) === undefined, 'the expired lease’s key to vanish');
      await pollUntil(() => seen.events.length > 0, 'the deletion event');
      expect(summary(seen.events)).toEqual(['delete brokers/1']);
      await expect(expiring.keepAliveOnce()).rejects.toBeInstanceOf(LeaseNotFoundError);
      await expect(store.put('brokers/3', 'late', { lease: expiring.id })).rejects.toBeInstanceOf(LeaseNotFoundError);

      expect((await store.get('brokers/2'))?.lease).toBe(kept.id);
      await kept.keepAliveOnce();
      await kept.revoke();
      expect(await store.get('brokers/2')).toBeUndefined();
      expect(lost).toBeUndefined();
      await watch.cancel();
    });

    it('keeps clusters apart by prefix', async () => {
      const other = await current.open('cluster-b');
      const seen = recorder();
      const watch = await store.watch('', { onEvents: seen.onEvents });
      await other.put('topics/t', 'of b');
      await store.put('topics/t', 'of a');
      await pollUntil(() => seen.events.length > 0, 'the change of cluster a');
      expect((await other.get('topics/t'))?.value).toBe('of b');
      expect((await store.range('')).kvs.map((kv) => [kv.key, kv.value])).toEqual([['topics/t', 'of a']]);
      await store.delete('topics/t');
      expect((await other.get('topics/t'))?.value).toBe('of b');
      await pollUntil(() => seen.events.length === 2, 'the deletion in cluster a');
      expect(summary(seen.events)).toEqual(['put topics/t=of a', 'delete topics/t']);
      await watch.cancel();
    });

    it('elects one controller at a time and fences the previous one', async () => {
      const leaseA = await store.grantLease(5);
      const leaseB = await store.grantLease(5);
      const a = await campaign(store, 'controller', 'broker-1', leaseA);
      let bWon = false;
      const bCampaign = campaign(store, 'controller', 'broker-2', leaseB).then((leadership) => {
        bWon = true;
        return leadership;
      });
      const guardedWrite = (guard: typeof a.guard, value: string) => store.txn({ compare: [guard], success: [{ type: 'put', key: 'topics/t', value }] });
      expect((await guardedWrite(a.guard, 'from a')).succeeded).toBe(true);
      expect(bWon).toBe(false);
      expect((await currentLeader(store, 'controller'))?.value).toBe('broker-1');

      await leaseA.revoke();
      const b = await bCampaign;
      expect(b.revision).toBeGreaterThan(a.revision);
      expect((await currentLeader(store, 'controller'))?.value).toBe('broker-2');
      expect((await guardedWrite(a.guard, 'stale')).succeeded).toBe(false);
      expect((await guardedWrite(b.guard, 'from b')).succeeded).toBe(true);
      await b.resign();
      expect(await currentLeader(store, 'controller')).toBeUndefined();

      const aborted = new AbortController();
      await campaign(store, 'controller', 'broker-2', leaseB);
      const waiting = campaign(store, 'controller', 'broker-3', await store.grantLease(5), aborted.signal);
      aborted.abort(new Error('shutting down'));
      await expect(waiting).rejects.toThrow('shutting down');
    });

    it('registers brokers under their lease with an epoch, once per id', async () => {
      const shared = new SharedMetadata(store);
      const registration = { nodeId: 1, listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092, securityProtocol: 'PLAINTEXT' }], rack: 'r1' };
      const first = await store.grantLease(5);
      const { brokerEpoch } = await shared.registerBroker(registration, first);
      expect(await shared.brokers()).toEqual([{ ...registration, brokerEpoch }]);
      await expect(shared.registerBroker(registration, await store.grantLease(5))).rejects.toSatisfy(
        (error) => error instanceof KafkaError && error.code === ErrorCode.DUPLICATE_BROKER_REGISTRATION,
      );
      await first.revoke();
      expect(await shared.brokers()).toEqual([]);
      const again = await shared.registerBroker(registration, await store.grantLease(5));
      expect(again.brokerEpoch).toBeGreaterThan(brokerEpoch);
    });

    it('changes a partition state only from the version read, and hands out disjoint producer-id blocks', async () => {
      const shared = new SharedMetadata(store);
      const state = { leader: 1, leaderEpoch: 0, partitionEpoch: 0, replicas: [1, 2], isr: [1, 2] };
      await shared.createTopic({ name: 't', topicId: 'id-t', internal: false }, { 'retention.ms': '1000' }, [state]);
      await expect(shared.createTopic({ name: 't', topicId: 'id-2', internal: false }, {}, [state])).rejects.toBeInstanceOf(KafkaError);
      expect(await shared.topics()).toEqual([{ name: 't', topicId: 'id-t', internal: false }]);
      expect(await shared.topicConfigs('t')).toEqual({ 'retention.ms': '1000' });

      const read = (await shared.partitionState('id-t', 0))!;
      const shrunk = await shared.updatePartitionState('id-t', 0, read, { ...state, isr: [1] });
      expect(shrunk?.value).toMatchObject({ isr: [1], partitionEpoch: 1 });
      expect(await shared.updatePartitionState('id-t', 0, read, { ...state, leader: 2, leaderEpoch: 1 })).toBeUndefined();
      expect((await shared.partitionState('id-t', 0))?.value).toEqual(shrunk!.value);

      const blocks = await Promise.all(Array.from({ length: 6 }, () => shared.reserveProducerIdBlock(1000)));
      const starts = blocks.map((block) => block.firstProducerId).sort((a, b) => (a < b ? -1 : 1));
      expect(starts).toEqual([0n, 1000n, 2000n, 3000n, 4000n, 5000n]);
    });

    it('refuses a transaction of more than 128 comparisons or operations, as etcd’s default --max-txn-ops, and applies none of it', async () => {
      const puts = (count: number) => Array.from({ length: count }, (_, i) => ({ type: 'put' as const, key: `many/${i}`, value: 'v' }));
      expect((await store.txn({ compare: [], success: puts(MAX_TXN_OPS) })).succeeded).toBe(true);
      await expect(store.txn({ compare: [], success: puts(MAX_TXN_OPS + 1) })).rejects.toBeInstanceOf(TxnTooLargeError);
      const absent = Array.from({ length: MAX_TXN_OPS + 1 }, (_, i) => ({ key: `none/${i}`, target: 'createRevision', result: '=', value: 0 }) as const);
      await expect(store.txn({ compare: absent, success: [{ type: 'put', key: 'none/x', value: 'v' }] })).rejects.toBeInstanceOf(TxnTooLargeError);
      expect(await store.get('none/x')).toBeUndefined();
      expect((await store.range('many/')).kvs).toHaveLength(MAX_TXN_OPS);
    });

    it('creates, grows and deletes a topic of more partition states than one transaction holds, each appearing whole', async () => {
      const shared = new SharedMetadata(store);
      const seen = recorder();
      const watch = await store.watch('', { onEvents: seen.onEvents });
      const state = (leader: number) => ({ leader, leaderEpoch: 0, partitionEpoch: 0, replicas: [leader], isr: [leader] });
      const topic = { name: 'big', topicId: 'id-big', internal: false };
      const created = await shared.createTopic(
        topic,
        {},
        Array.from({ length: 1000 }, (_, i) => state(i % 3)),
      );
      const partitions = await store.range('partitions/id-big/');
      expect(partitions.kvs).toHaveLength(1000);
      // Written before the topic record, or with it: nobody reads them before the record names their topic id.
      expect(Math.max(...partitions.kvs.map((kv) => kv.modRevision))).toBe(created);
      expect((await store.get('topics/big'))?.modRevision).toBe(created);

      const grown = await shared.addPartitions(
        topic,
        1000,
        Array.from({ length: 500 }, (_, i) => state(i % 3)),
      );
      const added = (await store.range('partitions/id-big/')).kvs.filter((kv) => Number(kv.key.split('/')[2]) >= 1000);
      expect(added).toHaveLength(500);
      // The first new partition comes last: a reader stopping at the first missing partition sees 1000, then 1500.
      expect((await store.get('partitions/id-big/1000'))?.createRevision).toBe(grown);
      expect(Math.max(...added.map((kv) => kv.createRevision))).toBe(grown);
      await expect(shared.addPartitions(topic, 1000, [state(0)])).rejects.toMatchObject({ code: ErrorCode.INVALID_PARTITIONS });

      const topicRevision = (await store.get('topics/big'))!.modRevision;
      const deleted = await shared.deleteTopic(topic, topicRevision, 1500, []);
      expect(await shared.topics()).toEqual([]);
      expect((await store.range('partitions/')).kvs).toEqual([]);
      await pollUntil(() => seen.events.at(-1)?.kv.modRevision === deleted, 'the watch to see the deletion');
      const topicKeyGone = seen.events.find((event) => event.type === 'delete' && event.kv.key === 'topics/big')!;
      const partitionsGone = seen.events.filter((event) => event.type === 'delete' && event.kv.key.startsWith('partitions/'));
      expect(partitionsGone).toHaveLength(1500);
      expect(Math.min(...partitionsGone.map((event) => event.kv.modRevision))).toBe(topicKeyGone.kv.modRevision);
      expectRevisionOrder(seen.events);
      await watch.cancel();
    });

    it('lets one of two concurrent creators of a large topic win, and removes the loser’s partition states', async () => {
      const shared = new SharedMetadata(store);
      const other = new SharedMetadata(await current.open('cluster-a'));
      const states = Array.from({ length: 450 }, (_, i) => ({ leader: i % 3, leaderEpoch: 0, partitionEpoch: 0, replicas: [i % 3], isr: [i % 3] }));
      const outcomes = await Promise.allSettled([
        shared.createTopic({ name: 'raced', topicId: 'id-a', internal: false }, {}, states),
        other.createTopic({ name: 'raced', topicId: 'id-b', internal: false }, {}, states),
      ]);
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      const lost = outcomes.find((outcome) => outcome.status === 'rejected')!;
      expect((lost as PromiseRejectedResult).reason).toMatchObject({ code: ErrorCode.TOPIC_ALREADY_EXISTS });
      const [winner] = await shared.topics();
      const keys = (await store.range('partitions/')).kvs.map((kv) => kv.key);
      expect(keys).toHaveLength(450);
      expect(keys.every((key) => key.startsWith(`partitions/${winner!.topicId}/`))).toBe(true);
    });

    it('finds the keys interrupted changes left unread, older than the revision given, and deletes those still unchanged', async () => {
      const shared = new SharedMetadata(store);
      const state = JSON.stringify({ leader: 1, leaderEpoch: 0, partitionEpoch: 0, replicas: [1], isr: [1] });
      const put = (key: string) => ({ type: 'put' as const, key, value: key.startsWith('partitions/') ? state : '{}' });
      await shared.createTopic(
        { name: 'live', topicId: 'id-live', internal: false },
        {},
        [0, 1, 2].map(() => JSON.parse(state)),
      );
      await store.put('log-dirs/id-live/1', '{}');
      // What crashes left: a creation's hidden partition states, a growth's hidden ones after a gap, and the keys
      // a deletion had not reached (written directly, as the crashed broker had).
      const crashed = [
        'partitions/id-created/0',
        'partitions/id-created/1',
        'partitions/id-live/10',
        'partitions/id-deleted/7',
        'log-dirs/id-deleted/2',
        'configs/topics/gone',
      ];
      const { revision: writtenBy } = await store.txn({ compare: [], success: crashed.map(put) });
      // Changes in progress, written after: a creation's and a growth's hidden keys not yet revealed.
      await store.txn({ compare: [], success: ['partitions/id-creating/0', 'partitions/id-live/4'].map(put) });

      // A topic id's unread states go together: the growth in progress keeps the older one of 'live' too.
      const { orphans } = await shared.orphans(writtenBy);
      expect(orphans.map((kv) => kv.key).sort()).toEqual(crashed.filter((key) => key !== 'partitions/id-live/10').sort());
      expect((await shared.orphans(writtenBy - 1)).orphans).toEqual([]);

      // The name is taken meanwhile: its creation rewrites the config, which then stays with everything found with it.
      await shared.createTopic({ name: 'gone', topicId: 'id-gone', internal: false }, {}, [JSON.parse(state)]);
      expect(await shared.deleteOrphans(orphans)).toBe(0);
      expect((await store.get('configs/topics/gone'))?.modRevision).toBeGreaterThan(writtenBy);

      const { orphans: again, revision } = await shared.orphans(Number.MAX_SAFE_INTEGER);
      expect(again.map((kv) => kv.key).sort()).toEqual(
        [...crashed.filter((key) => key !== 'configs/topics/gone'), 'partitions/id-creating/0', 'partitions/id-live/4'].sort(),
      );
      const older = again.filter((kv) => kv.modRevision <= writtenBy);
      expect(await shared.deleteOrphans(older)).toBe(crashed.length - 1);
      expect(revision).toBeGreaterThan(writtenBy);
      const left = (await store.range('')).kvs.map((kv) => kv.key).sort();
      expect(left).toEqual(
        [
          'configs/topics/gone',
          'configs/topics/live',
          'log-dirs/id-live/1',
          'partitions/id-creating/0',
          'partitions/id-gone/0',
          'partitions/id-live/0',
          'partitions/id-live/1',
          'partitions/id-live/2',
          'partitions/id-live/4',
          'topics/gone',
          'topics/live',
        ].sort(),
      );
    });

    it('lets a creation or growth stalled past the sweep lose its hidden keys only by failing, never as a topic without its partitions', async () => {
      const shared = new SharedMetadata(store);
      const states = Array.from({ length: 250 }, (_, i) => ({ leader: i % 3, leaderEpoch: 0, partitionEpoch: 0, replicas: [i % 3], isr: [i % 3] }));
      /** The store, running `step` before the transaction that reveals a topic record or a topic's first new partition. */
      const beforeReveal = (step: () => Promise<void>): MetadataStore =>
        new Proxy(store, {
          get(target, property) {
            if (property === 'txn') {
              return async (txn: Txn) => {
                if (txn.success.some((op) => op.key.startsWith('topics/') || op.key === 'partitions/id-revealed/250')) await step();
                return target.txn(txn);
              };
            }
            const value = Reflect.get(target, property);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        });
      const everything = Number.MAX_SAFE_INTEGER;

      // The sweep deletes the 200 hidden states first: the reveal is refused, and nothing of the topic stays.
      const sweptFirst = new SharedMetadata(
        beforeReveal(async () => {
          expect(await shared.deleteOrphans((await shared.orphans(everything)).orphans)).toBe(200);
        }),
      );
      await expect(sweptFirst.createTopic({ name: 'slow', topicId: 'id-swept', internal: false }, {}, states)).rejects.toMatchObject({
        code: ErrorCode.REQUEST_TIMED_OUT,
      });
      expect((await store.range('')).kvs).toEqual([]);

      // The reveal lands between the sweep's read and its deletion: the sweep deletes nothing.
      let found: KeyValue[] = [];
      const revealedFirst = new SharedMetadata(
        beforeReveal(async () => {
          found = (await shared.orphans(everything)).orphans;
        }),
      );
      await revealedFirst.createTopic({ name: 'slow', topicId: 'id-revealed', internal: false }, {}, states);
      expect(found).toHaveLength(200);
      expect(await shared.deleteOrphans(found)).toBe(0);
      expect((await store.range('partitions/id-revealed/')).kvs).toHaveLength(250);

      // A growth by 250 stalled the same way: swept first it fails, and the topic keeps its 250 partitions.
      const grower = new SharedMetadata(
        beforeReveal(async () => {
          expect(await shared.deleteOrphans((await shared.orphans(everything)).orphans)).toBe(150);
        }),
      );
      const revealed = { name: 'slow', topicId: 'id-revealed', internal: false };
      await expect(grower.addPartitions(revealed, 250, states)).rejects.toMatchObject({ code: ErrorCode.INVALID_PARTITIONS });
      expect((await store.range('partitions/id-revealed/')).kvs).toHaveLength(250);
    });

    it.skipIf(backend.name !== 'etcd')('resumes reads, writes and watches after etcd restarts, without losing a change', async () => {
      const etcd = current.etcd!;
      const seen = recorder();
      const watch = await store.watch('p/', { onEvents: seen.onEvents });
      await store.put('p/before', '1');
      await pollUntil(() => seen.events.length === 1, 'the change before the restart');

      await etcd.stop();
      await expect(store.get('p/before')).rejects.toThrow();
      await etcd.restart();
      // Another client writes while this one's watch is still reconnecting: the watch must catch up on it.
      const other = await current.open('cluster-a');
      await other.put('p/during', '2');
      await pollUntil(
        () =>
          store.put('p/after', '3').then(
            () => true,
            () => false,
          ),
        'a write through the restarted etcd',
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      await pollUntil(() => seen.events.length === 3, 'the changes after the restart', { timeoutMs: 30_000 });
      expect(summary(seen.events)).toEqual(['put p/before=1', 'put p/during=2', 'put p/after=3']);
      expectRevisionOrder(seen.events);
      await watch.cancel();
    });
  });
}

describe('metadata store by configuration', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gregor-store-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the local store’s keys and revisions across restarts; older history is compacted', async () => {
    const location = { clusterId: 'c1', localFile: join(dir, 'metadata.json') };
    const config = BrokerConfig.create({});
    const first = await openMetadataStore(config, location);
    await first.put('topics/a', 'A');
    const revision = await first.put('topics/b', 'B');
    await first.close();

    const second = await openMetadataStore(config, location);
    expect(await second.get('topics/b')).toMatchObject({ value: 'B', modRevision: revision, version: 1 });
    expect(await second.put('topics/c', 'C')).toBe(revision + 1);
    const failed = new Promise<Error>((resolve) => void second.watch('topics/', { fromRevision: 1, onEvents: () => undefined, onError: resolve }));
    expect(await failed).toBeInstanceOf(CompactedError);
    await second.close();
  });

  it.skipIf(etcdMissing !== undefined)('opens etcd at the configured endpoints', async () => {
    const etcd = await TestEtcd.start();
    try {
      const config = BrokerConfig.create(etcdStoreSettings(etcd));
      const store = await openMetadataStore(config, { clusterId: 'c1', localFile: join(dir, 'unused.json') });
      await store.put('topics/a', 'A');
      expect((await store.get('topics/a'))?.value).toBe('A');
      await store.close();
      const raw = new EtcdMetadataStore([etcd.endpoint]);
      expect((await raw.range('')).kvs.map((kv) => kv.key)).toEqual(['/gregor/c1/topics/a']);
      await raw.close();
    } finally {
      await etcd.destroy();
    }
  });
});
