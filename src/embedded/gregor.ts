/**
 * `Gregor.start()`: a broker in the caller's process with topic administration, producers and consumers
 * that go straight to its services, and (unless `listen: false`) the usual Kafka listener so network
 * clients share the same topics and groups. `close()` closes what it handed out, then the broker.
 */
import type { BrokerSettings } from '../config/broker-config.js';
import type { Logger } from '../logging/logger.js';
import { AsyncCloseable } from '../lifecycle/async-closeable.js';
import { Broker } from '../broker/broker.js';
import { Consumer, type ConsumerOptions } from './consumer.js';
import { Producer, type ProducerOptions } from './producer.js';

export interface GregorOptions {
  /** The log directory (Kafka's `log.dir`). */
  readonly dataDir: string;
  /** Where to accept Kafka clients; false for in-process use only (default 127.0.0.1 on an ephemeral port). */
  readonly listen?: { readonly host?: string; readonly port?: number } | false;
  /** Any other broker setting by its Kafka name. */
  readonly config?: BrokerSettings;
  readonly logger?: Logger;
  /** The partition workers' module, when running from sources rather than the built package. */
  readonly partitionTaskModule?: string | URL;
}

export interface TopicDescription {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: number;
  readonly configs: Readonly<Record<string, string>>;
}

export class Gregor extends AsyncCloseable {
  readonly broker: Broker;
  readonly #producers = new Set<Producer>();
  readonly #consumers = new Set<Consumer>();

  private constructor(broker: Broker) {
    super();
    this.broker = broker;
  }

  static async start(options: GregorOptions): Promise<Gregor> {
    const listen = options.listen === false ? false : { host: options.listen?.host ?? '127.0.0.1', port: options.listen?.port ?? 0 };
    const broker = await Broker.start({
      config: { ...options.config, 'log.dir': options.dataDir },
      listen,
      logger: options.logger,
      partitionTaskModule: options.partitionTaskModule,
    });
    return new Gregor(broker);
  }

  /** `host:port` for Kafka clients; undefined with `listen: false`. */
  get bootstrapServers(): string | undefined {
    return this.broker.bootstrapServers;
  }

  async createTopic(name: string, options: { partitions?: number; config?: Readonly<Record<string, string>> } = {}): Promise<TopicDescription> {
    return describe(await this.broker.metadata.createTopic(name, { numPartitions: options.partitions, configs: options.config }));
  }

  async deleteTopic(name: string): Promise<void> {
    await this.broker.metadata.deleteTopic(name);
  }

  /** Topic names, internal ones excluded. */
  listTopics(): string[] {
    return [...this.broker.metadata.topics()].filter((t) => !t.internal).map((t) => t.name);
  }

  describeTopic(name: string): TopicDescription | undefined {
    const topic = this.broker.metadata.topic(name);
    return topic && describe(topic);
  }

  producer(options: ProducerOptions = {}): Producer {
    const producer = new Producer(this.broker.replicaManager, this.broker.metadata, options);
    this.#producers.add(producer);
    return producer;
  }

  async consumer(options: ConsumerOptions): Promise<Consumer> {
    const consumer = await Consumer.create(this.broker.services, options);
    this.#consumers.add(consumer);
    return consumer;
  }

  /** Closes the producers and consumers it handed out, then the broker. */
  protected async closeOnce(): Promise<void> {
    await Promise.all([...this.#producers].map((p) => p.close()));
    await Promise.all([...this.#consumers].map((c) => c.close()));
    await this.broker.close();
  }
}

function describe(topic: { name: string; topicId: string; partitions: readonly unknown[]; configs: Readonly<Record<string, string>> }): TopicDescription {
  return { name: topic.name, topicId: topic.topicId, partitions: topic.partitions.length, configs: topic.configs };
}
