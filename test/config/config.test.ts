// Broker and topic config definitions: parsing and validation with INVALID_CONFIG, sources, topic fallbacks.
import { describe, expect, it } from 'vitest';
import { BrokerConfig } from '../../src/config/broker-config.js';
import { ConfigSource } from '../../src/config/config-def.js';
import { describeTopicConfig } from '../../src/config/config-description.js';
import { TopicConfig } from '../../src/config/topic-config.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { errorCodeOf } from '../support/error-code.js';

describe('broker config', () => {
  it('has Kafka’s defaults, reported as DEFAULT_CONFIG, and given values as STATIC_BROKER_CONFIG', () => {
    const config = BrokerConfig.create({ 'num.partitions': 6 });
    expect(config.int('message.max.bytes')).toBe(1048588);
    expect(config.int('socket.request.max.bytes')).toBe(104857600);
    expect(config.entry('message.max.bytes').source).toBe(ConfigSource.DEFAULT_CONFIG);
    expect(config.int('num.partitions')).toBe(6);
    expect(config.entry('num.partitions').source).toBe(ConfigSource.STATIC_BROKER_CONFIG);
  });

  it('refuses bad values with INVALID_CONFIG and keeps unknown keys aside', () => {
    expect(errorCodeOf(() => BrokerConfig.create({ 'num.partitions': 'many' }))).toBe(ErrorCode.INVALID_CONFIG);
    expect(errorCodeOf(() => BrokerConfig.create({ 'num.partitions': 0 }))).toBe(ErrorCode.INVALID_CONFIG);
    expect(errorCodeOf(() => BrokerConfig.create({ 'auto.create.topics.enable': 'yes' }))).toBe(ErrorCode.INVALID_CONFIG);
    expect(errorCodeOf(() => BrokerConfig.create({ 'log.cleanup.policy': 'delete,shred' }))).toBe(ErrorCode.INVALID_CONFIG);
    expect(errorCodeOf(() => BrokerConfig.create({ 'message.max.bytes': '2147483648' }))).toBe(ErrorCode.INVALID_CONFIG);
    expect(BrokerConfig.create({ 'no.such.key': 1 }).unknownKeys).toEqual(['no.such.key']);
  });

  it('resolves retention from ms, minutes or hours, and log.dirs over log.dir', () => {
    expect(BrokerConfig.create().logRetentionMs).toBe(168 * 3_600_000);
    expect(BrokerConfig.create({ 'log.retention.minutes': 2 }).logRetentionMs).toBe(120_000);
    expect(BrokerConfig.create({ 'log.retention.minutes': 2, 'log.retention.ms': 5 }).logRetentionMs).toBe(5);
    expect(BrokerConfig.create({ 'log.dir': '/a', 'log.dirs': '/b, /c' }).logDirs).toEqual(['/b', '/c']);
  });
});

describe('topic config', () => {
  it('falls back to the broker synonym and reports where each value came from', () => {
    const broker = BrokerConfig.create({ 'message.max.bytes': 2000, 'log.retention.hours': 1 });
    const topic = new TopicConfig(broker, { 'cleanup.policy': 'compact' });
    expect(topic.maxMessageBytes).toBe(2000);
    expect(topic.number('retention.ms')).toBe(3_600_000);
    expect(topic.compacted).toBe(true);
    const described = new Map(describeTopicConfig(topic).map((d) => [d.name, d]));
    expect(described.get('cleanup.policy')).toMatchObject({ value: 'compact', source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    expect(described.get('cleanup.policy')!.synonyms.map((s) => s.name)).toEqual(['cleanup.policy', 'log.cleanup.policy']);
    expect(described.get('max.message.bytes')).toMatchObject({ value: '2000', source: ConfigSource.STATIC_BROKER_CONFIG });
    expect(described.get('segment.bytes')).toMatchObject({ value: '1073741824', source: ConfigSource.DEFAULT_CONFIG });
  });

  it('refuses unknown keys and bad values', () => {
    const broker = BrokerConfig.create();
    expect(errorCodeOf(() => new TopicConfig(broker, { 'retention.msec': '1' }))).toBe(ErrorCode.INVALID_CONFIG);
    expect(errorCodeOf(() => new TopicConfig(broker, { 'message.timestamp.type': 'WallClock' }))).toBe(ErrorCode.INVALID_CONFIG);
  });
});
