/**
 * Kafka's request metrics (RequestMetrics: RequestQueueTimeMs, LocalTimeMs, RemoteTimeMs,
 * ResponseQueueTimeMs, ResponseSendTimeMs, TotalTimeMs) per API, from each request's `RequestTiming`.
 *
 * gregor's names are Prometheus histograms in seconds, `gregor_request_<phase>_seconds{api}`, so
 * histogram_quantile gives any percentile over any window. With `kafkaNames` the same observations are also
 * exported as the JMX exporter's Kafka example rules name Kafka's histograms: `kafka_network_requestmetrics_
 * <name>ms{request, quantile}` (50th … 999th percentile, in ms) and `_count`. Those percentiles are estimated
 * from the buckets over the broker's life, where Kafka's decay over about five minutes.
 *
 * Recording a request is six bucket scans over plain arrays; nothing is looked up or allocated.
 */
import type { Registry } from 'prom-client';
import { LatencyHistogram, type LatencySeries } from './latency-histogram.js';
import type { RequestTiming } from './request-timing.js';

interface Phase {
  /** gregor's metric name. */
  readonly name: string;
  /** Kafka's RequestMetrics histogram. */
  readonly kafkaName: string;
  readonly help: string;
  readonly millis: (timing: RequestTiming) => number;
}

const PHASES: readonly Phase[] = [
  {
    name: 'gregor_request_queue_time_seconds',
    kafkaName: 'RequestQueueTimeMs',
    help: 'From a request frame being complete to its handler starting (decoding, event-loop turns), by API.',
    millis: (t) => t.requestQueueMs,
  },
  {
    name: 'gregor_request_local_time_seconds',
    kafkaName: 'LocalTimeMs',
    help: 'The handler’s own time, from its start to the response being encoded, minus the remote time, by API.',
    millis: (t) => t.localMs,
  },
  {
    name: 'gregor_request_remote_time_seconds',
    kafkaName: 'RemoteTimeMs',
    help: 'Time parked: acks=all waiting for its flush, a fetch waiting for data, by API.',
    millis: (t) => t.remoteMs,
  },
  {
    name: 'gregor_request_response_queue_time_seconds',
    kafkaName: 'ResponseQueueTimeMs',
    help: 'From a response being ready to its turn to be written (behind earlier responses of the connection), by API.',
    millis: (t) => t.responseQueueMs,
  },
  {
    name: 'gregor_request_response_send_time_seconds',
    kafkaName: 'ResponseSendTimeMs',
    help: 'From a response’s write starting to the socket’s write callback, by API.',
    millis: (t) => t.responseSendMs,
  },
  {
    name: 'gregor_request_total_time_seconds',
    kafkaName: 'TotalTimeMs',
    help: 'From a request frame being complete to its response being written (or dropped), by API; the sum of the phases.',
    millis: (t) => t.totalMs,
  },
];

/** 10 µs to 10 s in 1-2-5 steps: a cached fetch's microseconds and a long poll's seconds both fall inside. */
const PHASE_BUCKETS = [0.00001, 0.00002, 0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10];

/** The quantiles Kafka's histograms report, labelled as the JMX exporter labels `<n>thPercentile`. */
const KAFKA_QUANTILES: readonly (readonly [string, number])[] = [
  ['0.50', 0.5],
  ['0.75', 0.75],
  ['0.95', 0.95],
  ['0.98', 0.98],
  ['0.99', 0.99],
  ['0.999', 0.999],
];

/** The phase series of one API, bound once. */
export class RequestPhases {
  readonly #series: readonly LatencySeries[];

  constructor(series: readonly LatencySeries[]) {
    this.#series = series;
  }

  observe(timing: RequestTiming): void {
    for (let i = 0; i < PHASES.length; i++) this.#series[i]!.observe(PHASES[i]!.millis(timing) / 1000);
  }
}

export class RequestMetrics {
  readonly #histograms: readonly LatencyHistogram[];

  constructor(registry: Registry, kafkaNames: boolean) {
    this.#histograms = PHASES.map((phase) => new LatencyHistogram(phase.name, phase.help, 'api', PHASE_BUCKETS, registry));
    if (kafkaNames) {
      PHASES.forEach((phase, i) => {
        new KafkaPercentiles(`kafka_network_requestmetrics_${phase.kafkaName.toLowerCase()}`, phase.kafkaName, this.#histograms[i]!, registry);
      });
    }
  }

  /** The series of one API (Kafka's name of it, `Produce`). */
  phases(api: string): RequestPhases {
    return new RequestPhases(this.#histograms.map((histogram) => histogram.series(api)));
  }
}

interface Sample {
  readonly metricName: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** A Kafka histogram as the JMX exporter renders it: percentile gauges in ms and a count, labelled `request`. */
class KafkaPercentiles {
  readonly type = 'summary';
  readonly aggregator = 'sum';
  readonly help: string;

  constructor(
    readonly name: string,
    kafkaName: string,
    private readonly histogram: LatencyHistogram,
    registry: Registry,
  ) {
    this.help = `Kafka RequestMetrics ${kafkaName} (percentiles in ms estimated from ${histogram.name}).`;
    registry.registerMetric(this as never);
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const values: Sample[] = [];
    for (const [request, series] of this.histogram.allSeries) {
      for (const [label, q] of KAFKA_QUANTILES) values.push({ metricName: this.name, labels: { request, quantile: label }, value: series.quantile(q) * 1000 });
      values.push({ metricName: `${this.name}_count`, labels: { request }, value: series.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {}
}
