import { describe, expect, it } from 'vitest';
import type { PartitionInfo, TopicInfo } from '../../src/cluster/cluster-metadata.js';
import { strayReason } from '../../src/replication/stray-logs.js';

const TOPIC_ID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const OTHER_ID = 'ffffffff-0000-1111-2222-333333333333';

function topic(replicas: readonly (readonly number[])[], topicId = TOPIC_ID): TopicInfo {
  const partitions = replicas.map((r, partition): PartitionInfo => ({ partition, leader: r[0]!, leaderEpoch: 0, partitionEpoch: 0, replicas: r, isr: r }));
  return { name: 't', topicId, partitions, configs: {}, internal: false };
}

describe('strayReason', () => {
  it('keeps a log of a partition whose replicas name this node, under its topic id or with that id lost', () => {
    const current = topic([[1], [2, 1]]);
    expect(strayReason({ topic: 't', partition: 0, topicId: TOPIC_ID }, current, 1)).toBeUndefined();
    expect(strayReason({ topic: 't', partition: 1, topicId: TOPIC_ID }, current, 1)).toBeUndefined();
    expect(strayReason({ topic: 't', partition: 1, topicId: undefined }, current, 1)).toBeUndefined();
  });

  it('finds a log stray when its topic is gone, was created again, lacks the partition or places it elsewhere', () => {
    expect(strayReason({ topic: 't', partition: 0, topicId: TOPIC_ID }, undefined, 1)).toBe('its topic no longer exists');
    expect(strayReason({ topic: 't', partition: 0, topicId: undefined }, undefined, 1)).toBe('its topic no longer exists');
    expect(strayReason({ topic: 't', partition: 0, topicId: TOPIC_ID }, topic([[1]], OTHER_ID), 1)).toMatch(/^its topic was deleted/);
    expect(strayReason({ topic: 't', partition: 2, topicId: TOPIC_ID }, topic([[1], [1]]), 1)).toBe('its topic has 2 partition(s)');
    expect(strayReason({ topic: 't', partition: 0, topicId: TOPIC_ID }, topic([[2, 3]]), 1)).toBe('this broker is no longer one of its replicas');
  });
});
