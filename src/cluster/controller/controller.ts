/**
 * The controller's duties while this broker holds the controller election: it keeps every partition's
 * leader and ISR right for the brokers that are live (see partition-election.ts), writing each new state
 * by compare-and-swap on the partition key, guarded by its leadership so that a deposed controller's write
 * fails. A pass runs at takeover (brokers may have died while there was no controller) and after every
 * metadata change it is told of; passes never overlap and requests during one coalesce into one more. A
 * pass also completes the partition reassignments whose added replicas have caught up (partition-reassignment.ts),
 * and with `auto.leader.rebalance.enable` a periodic check moves leadership back to preferred replicas
 * (leader-balance.ts). A periodic sweep deletes the keys a crash left unread in the middle of a change split
 * over several transactions (SharedMetadata.orphans), once they are older than one sweep interval.
 * A partition's election depends only on its state, its topic's configs and whether its replicas are live
 * or shutting down, so after the first pass each pass looks only at the partitions the changes since the
 * last one touched, and at those with a replica whose registration or shutdown changed meanwhile.
 */
import type { Logger } from 'pino';
import type { PartitionInfo, TopicInfo } from '../cluster-metadata.js';
import type { TopicChange } from '../metadata-view.js';
import type { Leadership } from '../store/election.js';
import type { MetadataStore } from '../store/metadata-store.js';
import { KEYS, type PartitionState, SharedMetadata, type Versioned } from '../store/shared-metadata.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import { sweepOrphans } from '../orphan-sweep.js';
import { imbalancedPartitions } from './leader-balance.js';
import { type Election, ElectionType, electLeader, electRequested } from './partition-election.js';
import { cancelReassignment, completeReassignment, startReassignment } from './partition-reassignment.js';

/** What the controller reads from the broker's view of the metadata (applied in revision order). */
export interface ControllerView {
  topics(): Iterable<TopicInfo>;
  /** The partition's state with the mod revision it was read at, as the view holds it. */
  partitionState(topicId: string, partition: number): Versioned<PartitionState> | undefined;
  liveBrokers(): ReadonlySet<number>;
  /** Each live broker's epoch: the store revision of its registration, greater for each incarnation. */
  brokerEpochs(): ReadonlyMap<number, number>;
  shuttingDown(): ReadonlySet<number>;
  uncleanElectionAllowed(topic: string): boolean;
}

/** `auto.leader.rebalance.enable`'s check: every `intervalMs`, brokers above `imbalancePercentage` get their preferred partitions back. */
export interface LeaderBalanceSettings {
  readonly intervalMs: number;
  readonly imbalancePercentage: number;
}

/** Partitions, by topic id, whose election inputs a change touched. */
export type TouchedPartitions = ReadonlyMap<string, ReadonlySet<number>>;

/** What the next pass looks at: every partition, or those touched since the last pass. */
interface Due {
  all: boolean;
  readonly partitions: Map<string, Set<number>>;
}

/** The brokers whose liveness a pass saw, to tell the next pass which changed. */
interface SeenBrokers {
  readonly live: ReadonlySet<number>;
  readonly epochs: ReadonlyMap<number, number>;
  readonly shuttingDown: ReadonlySet<number>;
}

/** How a partition's reassignment request ended; `revision` is the write that recorded it, if one did. */
export interface ReassignmentOutcome {
  readonly errorCode: ErrorCode;
  readonly errorMessage: string | null;
  readonly revision?: number;
}

/** Partition writes in flight at once during a pass. */
const WRITE_CONCURRENCY = 32;

/**
 * How often the controller looks for orphan keys. A key is deleted once it was written before the previous
 * sweep: a change still in progress has its hidden keys revealed within seconds (one transaction per 100
 * partitions), far less than this.
 */
export const ORPHAN_SWEEP_INTERVAL_MS = 5 * 60_000;

export class Controller {
  readonly #store: MetadataStore;
  readonly #shared: SharedMetadata;
  readonly #leadership: Leadership;
  readonly #view: ControllerView;
  readonly #logger: Logger | undefined;
  readonly #onUncleanElection: () => void;
  #passes: Promise<void> = Promise.resolve();
  #passQueued = false;
  #due: Due = { all: true, partitions: new Map() };
  #seenBrokers: SeenBrokers | undefined;
  #stopped = false;
  readonly #balanceTimer: NodeJS.Timeout | undefined;
  readonly #orphanTimer: NodeJS.Timeout;
  /** The store revision the previous orphan sweep read at: keys written up to it are old enough to delete. */
  #sweptRevision = 0;

  constructor(options: {
    store: MetadataStore;
    leadership: Leadership;
    view: ControllerView;
    logger?: Logger;
    onUncleanElection: () => void;
    /** Absent: leadership moves back to preferred replicas only when an operator asks (ElectLeaders). */
    leaderBalance?: LeaderBalanceSettings;
    /** Default ORPHAN_SWEEP_INTERVAL_MS. */
    orphanSweepIntervalMs?: number;
  }) {
    this.#store = options.store;
    this.#shared = new SharedMetadata(options.store);
    this.#leadership = options.leadership;
    this.#view = options.view;
    this.#logger = options.logger;
    this.#onUncleanElection = options.onUncleanElection;
    const balance = options.leaderBalance;
    if (balance) {
      this.#balanceTimer = setInterval(() => this.#scheduleBalance(balance.imbalancePercentage), balance.intervalMs);
      this.#balanceTimer.unref();
    }
    this.#orphanTimer = setInterval(() => this.#scheduleOrphanSweep(), options.orphanSweepIntervalMs ?? ORPHAN_SWEEP_INTERVAL_MS);
    this.#orphanTimer.unref();
  }

  get leadership(): Leadership {
    return this.#leadership;
  }

  /**
   * Schedules a pass over the partitions `touched` (every partition when not given), and over those whose
   * replicas' liveness changed since the last pass; one pass for any number of requests made while another runs.
   */
  reconcile(touched?: TouchedPartitions): void {
    if (this.#stopped) return;
    if (touched === undefined) this.#due.all = true;
    else if (!this.#due.all) {
      for (const [topicId, partitions] of touched) {
        const due = this.#due.partitions.get(topicId);
        if (due) for (const partition of partitions) due.add(partition);
        else this.#due.partitions.set(topicId, new Set(partitions));
      }
    }
    if (this.#passQueued) return;
    this.#passQueued = true;
    this.#passes = this.#passes.then(async () => {
      this.#passQueued = false;
      if (this.#stopped) return;
      try {
        await this.#pass();
      } catch (error) {
        // etcd away or the leadership gone: the next change (or takeover) starts another pass, over everything.
        this.#due.all = true;
        this.#logger?.warn({ err: error }, 'controller pass failed');
      }
    });
  }

  /** Resolves once the passes scheduled so far are over. */
  settled(): Promise<void> {
    return this.#passes;
  }

  /** Stops acting: this broker no longer holds the election. */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#balanceTimer);
    clearInterval(this.#orphanTimer);
  }

  /**
   * Elections an operator asked for (ElectLeaders), written as the controller's own are: each partition's
   * outcome, NONE once its new leader is recorded.
   */
  async electLeaders(type: ElectionType, partitions: readonly { topic: TopicInfo; partition: number }[]): Promise<ErrorCode[]> {
    const brokers = { live: this.#view.liveBrokers(), shuttingDown: this.#view.shuttingDown() };
    return Promise.all(
      partitions.map(async ({ topic, partition }) => {
        const read = this.#view.partitionState(topic.topicId, partition);
        if (!read) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        let outcome: ErrorCode = ErrorCode.NONE;
        await this.#write(topic, partition, read, ({ value: state }) => {
          const election = electRequested(type, { state, ...brokers });
          if (typeof election !== 'number') return election;
          outcome = election;
          return undefined;
        });
        if (this.#stopped) return ErrorCode.NOT_CONTROLLER;
        return outcome;
      }),
    );
  }

  /**
   * Reassignments an operator asked for (AlterPartitionReassignments): each partition's target replicas, or
   * null to cancel its reassignment; each outcome once the partition's new state is recorded, with the
   * revision that recorded it (the reassignment then completes on its own once the replicas added are in sync).
   */
  async alterReassignments(
    requests: readonly { topic: TopicInfo; partition: number; target: readonly number[] | null }[],
    allowReplicationFactorChange: boolean,
  ): Promise<ReassignmentOutcome[]> {
    const live = this.#view.liveBrokers();
    const shuttingDown = this.#view.shuttingDown();
    const serving = (id: number): boolean => live.has(id) && !shuttingDown.has(id);
    return Promise.all(
      requests.map(async ({ topic, partition, target }) => {
        const read = this.#view.partitionState(topic.topicId, partition);
        if (!read) return refused(new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic.name}-${partition}`));
        const uncleanAllowed = this.#view.uncleanElectionAllowed(topic.name);
        let revision: number | undefined;
        try {
          revision = await this.#write(topic, partition, read, ({ value: state }) =>
            target === null
              ? cancelReassignment(state, serving, uncleanAllowed)
              : startReassignment(state, target, { registered: live, serving }, allowReplicationFactorChange),
          );
        } catch (error) {
          if (error instanceof KafkaError) return refused(error);
          throw error;
        }
        if (this.#stopped) return refused(new KafkaError(ErrorCode.NOT_CONTROLLER, 'the controller moved while the reassignment was written'));
        return { errorCode: ErrorCode.NONE, errorMessage: null, ...(revision === undefined ? {} : { revision }) };
      }),
    );
  }

  /** Runs a leader balance check after the passes scheduled so far (never alongside one). */
  #scheduleBalance(imbalancePercentage: number): void {
    this.#passes = this.#passes.then(async () => {
      if (this.#stopped) return;
      try {
        await this.#balanceLeaders(imbalancePercentage);
      } catch (error) {
        this.#logger?.warn({ err: error }, 'leader balance check failed');
      }
    });
  }

  /**
   * Deletes the orphan keys written before the previous sweep (none at the first after takeover: the keys
   * of a change in progress are never that old), after the passes scheduled so far.
   */
  #scheduleOrphanSweep(): void {
    this.#passes = this.#passes.then(async () => {
      if (this.#stopped) return;
      try {
        this.#sweptRevision = await sweepOrphans(this.#shared, this.#sweptRevision, [this.#leadership.guard], this.#logger);
      } catch (error) {
        this.#logger?.warn({ err: error }, 'orphan key sweep failed');
      }
    });
  }

  async #balanceLeaders(imbalancePercentage: number): Promise<void> {
    const partitions = [];
    for (const topic of this.#view.topics()) {
      for (const { partition } of topic.partitions) {
        const read = this.#view.partitionState(topic.topicId, partition);
        if (read) partitions.push({ partition: { topic, partition }, state: read.value });
      }
    }
    const brokers = { live: this.#view.liveBrokers(), shuttingDown: this.#view.shuttingDown() };
    const candidates = imbalancedPartitions(partitions, brokers, imbalancePercentage);
    if (candidates.length === 0) return;
    this.#logger?.info({ partitions: candidates.length }, 'leader imbalance: moving leadership back to preferred replicas');
    await this.electLeaders(ElectionType.PREFERRED, candidates);
  }

  async #pass(): Promise<void> {
    const live = this.#view.liveBrokers();
    const epochs = this.#view.brokerEpochs();
    const shuttingDown = this.#view.shuttingDown();
    const due = this.#due;
    this.#due = { all: false, partitions: new Map() };
    const changedBrokers = this.#changedBrokers({ live, epochs, shuttingDown });
    const pending: (() => Promise<unknown>)[] = [];
    for (const topic of this.#view.topics()) {
      const touched = due.partitions.get(topic.topicId);
      if (!due.all && !touched && changedBrokers.size === 0) continue;
      const uncleanAllowed = this.#view.uncleanElectionAllowed(topic.name);
      for (const info of topic.partitions) {
        if (!due.all && !touched?.has(info.partition) && !hasReplicaAmong(info, changedBrokers)) continue;
        const { partition } = info;
        const current = this.#view.partitionState(topic.topicId, partition);
        const brokers = { live, epochs, shuttingDown, uncleanAllowed };
        if (current && nextState(current, brokers)) pending.push(() => this.#write(topic, partition, current, (read) => nextState(read, brokers)));
      }
    }
    for (let i = 0; i < pending.length && !this.#stopped; i += WRITE_CONCURRENCY) {
      await Promise.all(pending.slice(i, i + WRITE_CONCURRENCY).map((elect) => elect()));
    }
  }

  /** Brokers that came, went, registered again, or started or stopped shutting down since the last pass saw them. */
  #changedBrokers(now: SeenBrokers): Set<number> {
    const before = this.#seenBrokers;
    this.#seenBrokers = now;
    const changed = new Set<number>();
    if (!before) return changed;
    for (const [a, b] of [
      [before.live, now.live],
      [now.live, before.live],
      [before.shuttingDown, now.shuttingDown],
      [now.shuttingDown, before.shuttingDown],
    ] as const) {
      for (const id of a) if (!b.has(id)) changed.add(id);
    }
    for (const [id, epoch] of now.epochs) if (before.epochs.get(id) !== epoch) changed.add(id);
    return changed;
  }

  /**
   * Writes the partition's new state as `decide` gives it; when it changed under the view, decides again on
   * the stored one. Returns the revision written, if any.
   */
  async #write(
    topic: TopicInfo,
    partition: number,
    read: Versioned<PartitionState>,
    decide: (read: Versioned<PartitionState>) => Election | undefined,
  ): Promise<number | undefined> {
    let current: Versioned<PartitionState> | undefined = read;
    while (current && !this.#stopped) {
      const election = decide(current);
      if (!election) return undefined;
      const written = await this.#shared.updatePartitionState(topic.topicId, partition, current, election.change, [this.#leadership.guard]);
      if (written) {
        this.#logElection(topic.name, partition, current.value, written.value, election.unclean);
        return written.modRevision;
      }
      if (!(await this.#stillLeads())) {
        this.stop();
        return undefined;
      }
      current = await this.#shared.partitionState(topic.topicId, partition);
    }
    return undefined;
  }

  async #stillLeads(): Promise<boolean> {
    const holder = await this.#store.get(KEYS.controller);
    return holder?.createRevision === this.#leadership.revision;
  }

  #logElection(topic: string, partition: number, before: PartitionState, after: PartitionState, unclean: boolean): void {
    const fields = { topic, partition, leader: after.leader, leaderEpoch: after.leaderEpoch, isr: after.isr, previousLeader: before.leader };
    if (unclean) {
      this.#onUncleanElection();
      this.#logger?.warn(fields, 'unclean leader election: the new leader was not in sync, records acknowledged by the old ISR may be lost');
    } else {
      this.#logger?.info(fields, after.leader === -1 ? 'partition offline: no live in-sync replica' : 'partition state changed');
    }
  }
}

/**
 * What a partition's state should become with the brokers as they are: its reassignment completed once the
 * replicas added are in sync, else its leader and ISR elected for the live brokers (undefined: nothing to do).
 * The brokers registered after the state was written (`modRevision`) are restarted ones to the election.
 */
function nextState(
  { value: state, modRevision }: Versioned<PartitionState>,
  brokers: { live: ReadonlySet<number>; epochs: ReadonlyMap<number, number>; shuttingDown: ReadonlySet<number>; uncleanAllowed: boolean },
): Election | undefined {
  const serving = (id: number): boolean => brokers.live.has(id) && !brokers.shuttingDown.has(id);
  const restarted = new Set([...state.replicas, ...state.isr].filter((id) => (brokers.epochs.get(id) ?? 0) > modRevision));
  return completeReassignment(state, serving) ?? electLeader({ state, ...brokers, restarted });
}

/** A partition's reassignment refused with `error`. */
export function refused(error: KafkaError): ReassignmentOutcome {
  return { errorCode: error.code, errorMessage: error.message };
}

/** The partitions a metadata change touched: every one of a topic created, replaced or reconfigured, else those whose state changed. */
export function touchedPartitions(changes: readonly TopicChange[]): TouchedPartitions {
  const touched = new Map<string, Set<number>>();
  for (const { before, after } of changes) {
    if (!after) continue;
    const whole = !before || before.topicId !== after.topicId || JSON.stringify(before.configs) !== JSON.stringify(after.configs);
    const partitions = after.partitions.filter((p) => whole || !sameState(p, before.partitions[p.partition])).map((p) => p.partition);
    if (partitions.length > 0) touched.set(after.topicId, new Set(partitions));
  }
  return touched;
}

function sameState(a: PartitionInfo, b: PartitionInfo | undefined): boolean {
  return (
    b !== undefined &&
    a.leader === b.leader &&
    a.leaderEpoch === b.leaderEpoch &&
    a.partitionEpoch === b.partitionEpoch &&
    sameList(a.replicas, b.replicas) &&
    sameList(a.isr, b.isr)
  );
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

function hasReplicaAmong(partition: PartitionInfo, brokers: ReadonlySet<number>): boolean {
  return brokers.size > 0 && (brokers.has(partition.leader) || partition.replicas.some((id) => brokers.has(id)) || partition.isr.some((id) => brokers.has(id)));
}
