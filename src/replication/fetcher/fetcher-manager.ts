/**
 * The follower side of this broker (Kafka's ReplicaFetcherManager): one ReplicaFetcher per leader broker,
 * each fetching every partition this broker follows from that leader; a partition moves between fetchers as
 * its leader changes.
 */
import type { Logger } from 'pino';
import type { Partition } from '../partition.js';
import { type FetcherSettings, type LeaderEndpoint, ReplicaFetcher } from './replica-fetcher.js';

export class FetcherManager {
  readonly #settings: FetcherSettings;
  readonly #endpointOf: (brokerId: number) => LeaderEndpoint | undefined;
  readonly #logger: Logger | undefined;
  readonly #fetchers = new Map<number, ReplicaFetcher>();
  readonly #leaderOf = new Map<Partition, number>();

  constructor(settings: FetcherSettings, endpointOf: (brokerId: number) => LeaderEndpoint | undefined, logger?: Logger) {
    this.#settings = settings;
    this.#endpointOf = endpointOf;
    this.#logger = logger;
  }

  /** Fetches `partition` from `leaderId` (after truncating to where they agree); a negative leader: from nobody. */
  follow(partition: Partition, leaderId: number): void {
    this.unfollow(partition);
    if (leaderId < 0) return;
    let fetcher = this.#fetchers.get(leaderId);
    if (!fetcher) {
      fetcher = new ReplicaFetcher(leaderId, this.#settings, () => this.#endpointOf(leaderId), this.#logger);
      this.#fetchers.set(leaderId, fetcher);
    }
    fetcher.add(partition);
    this.#leaderOf.set(partition, leaderId);
  }

  unfollow(partition: Partition): void {
    const leaderId = this.#leaderOf.get(partition);
    if (leaderId === undefined) return;
    this.#leaderOf.delete(partition);
    const fetcher = this.#fetchers.get(leaderId);
    fetcher?.remove(partition);
    if (fetcher && fetcher.partitionCount === 0) {
      this.#fetchers.delete(leaderId);
      void fetcher.stop();
    }
  }

  /** The leader `partition` is fetched from, if it is followed. */
  leaderOf(partition: Partition): number | undefined {
    return this.#leaderOf.get(partition);
  }

  /** The largest lag, in offsets, of any partition this broker follows (Kafka's ReplicaFetcherManager MaxLag). */
  get maxLag(): bigint {
    let max = 0n;
    for (const fetcher of this.#fetchers.values()) if (fetcher.maxLag > max) max = fetcher.maxLag;
    return max;
  }

  async close(): Promise<void> {
    const fetchers = [...this.#fetchers.values()];
    this.#fetchers.clear();
    this.#leaderOf.clear();
    await Promise.all(fetchers.map((fetcher) => fetcher.stop()));
  }
}
