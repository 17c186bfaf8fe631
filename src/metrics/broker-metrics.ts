/**
 * The broker's Prometheus metrics (prom-client) and the small API the broker calls to feed them.
 *
 * Hot-path cost is kept to a field increment: per-topic byte and record counts live in plain `TopicCounters`
 * objects (records counted from batch headers, never per record), and per-API latency and Kafka's request
 * phases (request-metrics.ts) go to plain-array histogram series bound once per API; the Prometheus
 * counters read those objects only when scraped. Event-loop delay and GC pauses come from runtime-metrics.ts.
 * State (partitions, log sizes, group lag, connections, mapped memory, worker queue) is read at scrape time
 * too. Names are gregor's own (`gregor_*`, low cardinality: labels are topic, API, error name, group); with
 * `kafkaNames` the per-topic counters and request phases are also exported under the names Kafka's JMX
 * exporter gives BrokerTopicMetrics and RequestMetrics, so existing Kafka dashboards work.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { ErrorCode, errorInfo } from '../protocol/error-codes.js';
import type { BrokerStateSource, QuotaSensorState } from './broker-state.js';
import type { TrafficObserver } from './traffic.js';
import { LatencyHistogram, type LatencySeries } from './latency-histogram.js';
import { readMappedSegmentBytes } from './mapped-memory.js';
import { RequestMetrics, type RequestPhases } from './request-metrics.js';
import type { RequestTiming, RequestTimingSink } from './request-timing.js';
import { registerRuntimeMetrics } from './runtime-metrics.js';

/** What one topic has taken in and given out since the broker started; callers increment the fields. */
export class TopicCounters {
  bytesIn = 0;
  recordsIn = 0;
  bytesOut = 0;
  recordsOut = 0;
}

/** Request latency, phases and errors of one API, bound once so recording a request is a few histogram observes. */
export class ApiMetrics {
  readonly errors = new Map<ErrorCode, number>();
  readonly #latency: LatencySeries;
  readonly #phases: RequestPhases;

  constructor(
    readonly name: string,
    latency: LatencySeries,
    phases: RequestPhases,
  ) {
    this.#latency = latency;
    this.#phases = phases;
  }

  /** A request of this API is over: its latency until the response was ready, and its phases. */
  observe(timing: RequestTiming): void {
    this.#latency.observe(timing.untilResponseMs / 1000);
    this.#phases.observe(timing);
  }

  /** A partition (or the request) of this API was answered with `code`. */
  error(code: ErrorCode): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }
}

export interface BrokerMetricsOptions {
  /** Also export Kafka JMX exporter names (`kafka_server_brokertopicmetrics_*`, `kafka_network_requestmetrics_*`). */
  readonly kafkaNames?: boolean;
  /** Kafka's name of an API key (`Produce`, `Fetch`), the `api` label; `api_<key>` when not given. */
  readonly apiName?: (apiKey: number) => string;
}

const PRODUCE_KEY = 0;
const FETCH_KEY = 1;
/** RecordBatch v2: batchLength (int32) at 8 counts the bytes after offset 12; recordsCount (int32) is at 57. */
const BATCH_LENGTH_OFFSET = 8;
const BATCH_OVERHEAD = 12;
const RECORDS_COUNT_OFFSET = 57;

/** Records in whole v2 batches: a header read per batch, nothing per record. */
export function countRecords(batches: Buffer): number {
  let count = 0;
  for (let pos = 0; pos + RECORDS_COUNT_OFFSET + 4 <= batches.length; pos += BATCH_OVERHEAD + batches.readInt32BE(pos + BATCH_LENGTH_OFFSET)) {
    count += batches.readInt32BE(pos + RECORDS_COUNT_OFFSET);
  }
  return count;
}

/** Request latency buckets in seconds: 100 µs to 10 s, so both cached fetches and long polls fall inside. */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type TopicField = keyof TopicCounters;

export class BrokerMetrics implements TrafficObserver {
  readonly registry = new Registry();
  readonly #apiName: (apiKey: number) => string;
  readonly #topics = new Map<string, TopicCounters>();
  readonly #apis = new Map<number, ApiMetrics>();
  readonly #latency: LatencyHistogram;
  readonly #phases: RequestMetrics;
  #state: BrokerStateSource = {};

  constructor(options: BrokerMetricsOptions = {}) {
    this.#apiName = options.apiName ?? ((key) => `api_${key}`);
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.#latency = new LatencyHistogram(
      'gregor_request_duration_seconds',
      'Time from a request frame arriving to its response being queued, by API; _count is the request count.',
      'api',
      LATENCY_BUCKETS,
      this.registry,
    );
    this.#phases = new RequestMetrics(this.registry, options.kafkaNames ?? false);
    registerRuntimeMetrics(this.registry);
    this.#topicCounter('gregor_topic_bytes_in_total', 'Record batch bytes appended, by topic.', 'bytesIn');
    this.#topicCounter('gregor_topic_records_in_total', 'Records appended, by topic.', 'recordsIn');
    this.#topicCounter('gregor_topic_bytes_out_total', 'Record batch bytes sent to consumers, by topic.', 'bytesOut');
    this.#topicCounter('gregor_topic_records_out_total', 'Records sent to consumers, by topic.', 'recordsOut');
    const apis = this.#apis;
    new Counter({
      name: 'gregor_request_errors_total',
      help: 'Requests or partitions answered with an error, by API and Kafka error name.',
      labelNames: ['api', 'error'],
      registers,
      collect() {
        this.reset();
        for (const api of apis.values()) {
          for (const [code, count] of api.errors) this.inc({ api: api.name, error: errorInfo(code).name }, count);
        }
      },
    });
    this.#stateGauges();
    if (options.kafkaNames) this.#kafkaAliases();
  }

  /** The counters of one topic; keep the object and increment its fields. */
  topic(name: string): TopicCounters {
    let counters = this.#topics.get(name);
    if (counters === undefined) {
      counters = new TopicCounters();
      this.#topics.set(name, counters);
    }
    return counters;
  }

  /** Drops a deleted topic's series. */
  forgetTopic(name: string): void {
    this.#topics.delete(name);
  }

  /** The metrics of one API key, created on first use. */
  api(apiKey: number): ApiMetrics {
    let api = this.#apis.get(apiKey);
    if (api === undefined) {
      const name = this.#apiName(apiKey);
      api = new ApiMetrics(name, this.#latency.series(name), this.#phases.phases(name));
      this.#apis.set(apiKey, api);
    }
    return api;
  }

  /** A partition's produce was answered: its batch counts as taken in, or its error is counted. */
  produced(topic: string, batch: Buffer, errorCode: ErrorCode): void {
    if (errorCode !== ErrorCode.NONE) {
      this.api(PRODUCE_KEY).error(errorCode);
      return;
    }
    const counters = this.topic(topic);
    counters.bytesIn += batch.length;
    counters.recordsIn += countRecords(batch);
  }

  /** A partition's fetch was answered with these batches (views), or with an error. */
  fetched(topic: string, views: readonly Buffer[], errorCode: ErrorCode): void {
    if (errorCode !== ErrorCode.NONE) {
      this.api(FETCH_KEY).error(errorCode);
      return;
    }
    if (views.length === 0) return;
    const counters = this.topic(topic);
    for (const view of views) {
      counters.bytesOut += view.length;
      counters.recordsOut += countRecords(view);
    }
  }

  /** Where the dispatcher reports each request once it is over: latency and phases by API, and the request-level error. */
  requestObserver(): RequestTimingSink {
    const bound: ApiMetrics[] = [];
    return {
      requestCompleted: (timing) => {
        const api = (bound[timing.apiKey] ??= this.api(timing.apiKey));
        api.observe(timing);
        if (timing.errorCode !== ErrorCode.NONE) api.error(timing.errorCode);
      },
    };
  }

  /**
   * Where scrape-time state comes from; the broker sets it once its parts are up. A gauge whose value the
   * source does not report is left out rather than exported as a misleading 0.
   */
  setStateSource(source: BrokerStateSource): void {
    this.#state = source;
    this.#optionalGauge('gregor_connections', 'Client connections open.', source.connectionCount?.bind(source));
    this.#optionalGauge('gregor_worker_queue_depth', 'Tasks queued or running in the partition worker pools.', source.workerQueueDepth?.bind(source));
    this.#optionalGauge(
      'gregor_connections_throttled_total',
      'Connections refused for exceeding their address’s connection_creation_rate quota.',
      source.connectionsThrottled?.bind(source),
    );
  }

  #optionalGauge(name: string, help: string, read: (() => number) | undefined): void {
    this.registry.removeSingleMetric(name);
    if (!read) return;
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  #topicCounter(name: string, help: string, field: TopicField, aggregate = false): void {
    const topics = this.#topics;
    new Counter({
      name,
      help,
      labelNames: ['topic'],
      registers: [this.registry],
      collect() {
        this.reset();
        let total = 0;
        for (const [topic, counters] of topics) {
          this.inc({ topic }, counters[field]);
          total += counters[field];
        }
        // Kafka's BrokerTopicMetrics also has an all-topics bean, exported without the topic label.
        if (aggregate) this.inc(total);
      },
    });
  }

  #stateGauges(): void {
    const registers = [this.registry];
    const state = (): BrokerStateSource => this.#state;
    new Counter({
      name: 'gregor_unclean_leader_elections_total',
      help: 'Leaders elected by this broker as controller from outside the ISR (unclean.leader.election.enable): acknowledged records may be lost.',
      registers,
      collect() {
        this.reset();
        this.inc(state().uncleanLeaderElections?.() ?? 0);
      },
    });
    new Gauge({
      name: 'gregor_topic_partitions',
      help: 'Partitions hosted, by topic.',
      labelNames: ['topic'],
      registers,
      collect() {
        this.reset();
        for (const p of state().partitions?.() ?? []) this.inc({ topic: p.topic });
      },
    });
    new Gauge({
      name: 'gregor_topic_log_size_bytes',
      help: 'Bytes of the partition logs, by topic.',
      labelNames: ['topic'],
      registers,
      collect() {
        this.reset();
        for (const p of state().partitions?.() ?? []) this.inc({ topic: p.topic }, p.sizeBytes);
      },
    });
    new Gauge({
      name: 'gregor_topic_log_records',
      help: 'Offsets between log start and log end, summed over partitions, by topic.',
      labelNames: ['topic'],
      registers,
      collect() {
        this.reset();
        for (const p of state().partitions?.() ?? []) this.inc({ topic: p.topic }, Number(p.logEndOffset - p.logStartOffset));
      },
    });
    new Gauge({
      name: 'gregor_consumer_group_lag',
      help: 'Log end offset minus committed offset, summed over partitions, by group and topic.',
      labelNames: ['group', 'topic'],
      registers,
      async collect() {
        this.reset();
        for (const l of (await state().consumerGroupLag?.()) ?? []) this.inc({ group: l.group, topic: l.topic }, Number(l.lag));
      },
    });
    new Gauge({
      name: 'gregor_log_dir_free_bytes',
      help: 'Bytes free on the filesystem of each online log dir (Produce is refused below gregor.log.dir.min.free.bytes).',
      labelNames: ['dir'],
      registers,
      collect() {
        this.reset();
        for (const dir of state().logDirs?.() ?? []) if (dir.online) this.set({ dir: dir.path }, Number(dir.freeBytes));
      },
    });
    new Gauge({
      name: 'gregor_offline_log_dirs',
      help: 'Log dirs taken offline by an I/O error (Kafka’s OfflineLogDirectoryCount); only a restart brings them back.',
      registers,
      collect() {
        let offline = 0;
        for (const dir of state().logDirs?.() ?? []) if (!dir.online) offline++;
        this.set(offline);
      },
    });
    this.#quotaGauges(state);
    this.#replicationMetrics(state, false);
    new Gauge({
      name: 'gregor_mapped_bytes',
      help: 'Address space mapped from segment files, by file kind (log, index, timeindex).',
      labelNames: ['file'],
      registers,
      async collect() {
        this.reset();
        for (const [file, bytes] of await readMappedSegmentBytes()) this.set({ file }, bytes);
      },
    });
  }

  /**
   * Replication's health with Kafka's meanings, under gregor's names, or (`kafkaNames`) the names the JMX
   * exporter's Kafka example rules give the same beans.
   */
  #replicationMetrics(state: () => BrokerStateSource, kafkaNames: boolean): void {
    const registers = [this.registry];
    const metric = (type: typeof Gauge | typeof Counter, names: readonly [string, string?], help: string, value: () => number | undefined): void => {
      const name = names[kafkaNames ? 1 : 0];
      if (name === undefined) return;
      new type({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(value() ?? 0);
        },
      });
    };
    const replication = () => state().replication?.();
    metric(
      Gauge,
      ['gregor_under_replicated_partitions', 'kafka_server_replicamanager_underreplicatedpartitions'],
      'Partitions this broker leads with fewer in-sync replicas than replicas (Kafka’s UnderReplicatedPartitions).',
      () => replication()?.underReplicatedPartitions,
    );
    metric(
      Gauge,
      ['gregor_under_min_isr_partitions', 'kafka_server_replicamanager_underminisrpartitioncount'],
      'Partitions this broker leads with fewer in-sync replicas than min.insync.replicas: acks=all is refused (UnderMinIsrPartitionCount).',
      () => replication()?.underMinIsrPartitions,
    );
    metric(
      Gauge,
      ['gregor_offline_partitions', 'kafka_controller_kafkacontroller_offlinepartitionscount'],
      'Partitions without a live leader, reported by the controller only (OfflinePartitionsCount).',
      () => state().offlinePartitions?.(),
    );
    metric(
      Counter,
      ['gregor_isr_shrinks_total', 'kafka_server_replicamanager_isrshrinks_total'],
      'ISR shrinks this broker wrote as leader (IsrShrinksPerSec, count).',
      () => replication()?.isrShrinks,
    );
    metric(
      Counter,
      ['gregor_isr_expands_total', 'kafka_server_replicamanager_isrexpands_total'],
      'ISR expands this broker wrote as leader (IsrExpandsPerSec, count).',
      () => replication()?.isrExpands,
    );
    metric(
      Gauge,
      ['gregor_replica_fetcher_max_lag', 'kafka_server_replicafetchermanager_maxlag'],
      'Largest lag in offsets of a partition this broker follows behind its leader’s high watermark (ReplicaFetcherManager MaxLag).',
      () => Number(replication()?.maxFollowerLag ?? 0n),
    );
    metric(
      Counter,
      // Kafka's is one label value of its requests counter, which gregor does not export under Kafka's name.
      ['gregor_follower_fetch_requests_total'],
      'Fetch requests from followers this broker answered (RequestsPerSec, request=FetchFollower, count).',
      () => replication()?.followerFetchRequests,
    );
  }

  /** Per quota entity, as Kafka's quota sensors (`byte-rate`/`request-time`, `throttle-time`), labelled by quota, user and client id. */
  #quotaGauges(state: () => BrokerStateSource): void {
    const registers = [this.registry];
    const labelNames = ['quota', 'user', 'client_id'];
    const perSensor = (name: string, help: string, value: (s: QuotaSensorState) => number, type: typeof Gauge | typeof Counter): void => {
      new type({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          for (const s of state().quotaSensors?.() ?? []) this.inc({ quota: s.quota, user: s.user, client_id: s.clientId }, value(s));
        },
      });
    };
    perSensor(
      'gregor_client_quota_rate',
      'Rate a client quota measures now: bytes/s, or percent of a handler thread for request_percentage.',
      (s) => s.rate,
      Gauge,
    );
    perSensor('gregor_client_quota_limit', 'The client quota in effect for the entity.', (s) => s.limit, Gauge);
    perSensor('gregor_client_quota_throttle_time_ms_total', 'Milliseconds clients were throttled (muted) by the quota.', (s) => s.throttleTimeMsTotal, Counter);
    perSensor('gregor_client_quota_throttled_total', 'Responses that carried a throttle time from the quota.', (s) => s.throttledCount, Counter);
  }

  /** BrokerTopicMetrics under the names of the JMX exporter's Kafka example rules (`<bean>PerSec` Count → `_total`). */
  #kafkaAliases(): void {
    this.#topicCounter('kafka_server_brokertopicmetrics_bytesin_total', 'Kafka BytesInPerSec (count).', 'bytesIn', true);
    this.#topicCounter('kafka_server_brokertopicmetrics_bytesout_total', 'Kafka BytesOutPerSec (count).', 'bytesOut', true);
    this.#topicCounter('kafka_server_brokertopicmetrics_messagesin_total', 'Kafka MessagesInPerSec (count).', 'recordsIn', true);
    const apis = this.#apis;
    const failed = (name: string, bean: string, apiKey: number): void => {
      new Counter({
        name,
        help: `Kafka ${bean} (count).`,
        registers: [this.registry],
        collect() {
          this.reset();
          let total = 0;
          for (const count of apis.get(apiKey)?.errors.values() ?? []) total += count;
          this.inc(total);
        },
      });
    };
    failed('kafka_server_brokertopicmetrics_failedproducerequests_total', 'FailedProduceRequestsPerSec', PRODUCE_KEY);
    failed('kafka_server_brokertopicmetrics_failedfetchrequests_total', 'FailedFetchRequestsPerSec', FETCH_KEY);
    this.#replicationMetrics(() => this.#state, true);
  }
}
