/**
 * A kafkajs producer sending as fast as it can (one send in flight, acks=1) for a while, measured after a
 * warm-up: what a client limited by a producer_byte_rate quota achieves, and how many sockets it opened
 * meanwhile (a client that the broker throttled correctly keeps its connections: no reconnect storm).
 */
import { type Socket, connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';

export interface ThrottledProduceOptions {
  readonly bootstrap: string;
  readonly topic: string;
  readonly clientId: string;
  /** Sending time in all, warm-up included. */
  readonly seconds: number;
  /** Sends finishing in this first part are not measured (a quota lets a new client burst). */
  readonly warmupSeconds: number;
  readonly valueBytes?: number;
  readonly recordsPerSend?: number;
}

export interface ThrottledProduceResult {
  /** Record value bytes acknowledged per second after the warm-up. */
  readonly bytesPerSecond: number;
  readonly measuredSeconds: number;
  readonly socketsOpened: number;
}

export async function produceFlatOut(options: ThrottledProduceOptions): Promise<ThrottledProduceResult> {
  const valueBytes = options.valueBytes ?? 16_384;
  const recordsPerSend = options.recordsPerSend ?? 8;
  let socketsOpened = 0;
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: [options.bootstrap],
    logLevel: logLevel.NOTHING,
    socketFactory: ({ host, port, onConnect }): Socket => {
      socketsOpened++;
      const socket = connect({ host, port }, onConnect);
      socket.setNoDelay(true);
      return socket;
    },
  });
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  const messages = Array.from({ length: recordsPerSend }, () => ({ value: Buffer.alloc(valueBytes, 'q') }));
  const start = performance.now();
  const end = start + options.seconds * 1000;
  const measureFrom = start + options.warmupSeconds * 1000;
  let measureStart: number | undefined;
  let lastAck = 0;
  let measured = 0;
  try {
    while (performance.now() < end) {
      await producer.send({ topic: options.topic, acks: 1, messages });
      const now = performance.now();
      if (now < measureFrom) continue;
      if (measureStart === undefined) measureStart = now;
      else measured += valueBytes * recordsPerSend;
      lastAck = now;
    }
  } finally {
    await producer.disconnect();
  }
  const measuredSeconds = measureStart === undefined ? 0 : (lastAck - measureStart) / 1000;
  return { bytesPerSecond: measuredSeconds > 0 ? measured / measuredSeconds : 0, measuredSeconds, socketsOpened };
}
