/** The package root: the embedded API (`Gregor.start`), the broker itself, and Kafka's error codes. */
export { Gregor, type GregorOptions, type TopicDescription } from './embedded/gregor.js';
export { Producer, type ProducerOptions, type ProducerRecord, type RecordMetadata, type Partitioner } from './embedded/producer.js';
export type { CompressionName as Compression } from './record/compression.js';
export { Consumer, type ConsumerOptions, type ConsumerRecord, type StartFrom } from './embedded/consumer.js';
export { murmur2, partitionForKey } from './embedded/murmur2.js';
export { Broker, type BrokerOptions } from './broker/broker.js';
export { ErrorCode, KafkaError } from './protocol/error-codes.js';
