/** DescribeTopicPartitions (75): request and response fields, transcribed from Kafka's DescribeTopicPartitionsRequest/DescribeTopicPartitionsResponse schemas. */
import type { ApiDefinition } from '../definition.js';

export const describeTopicPartitions: ApiDefinition = {
  apiKey: 75,
  name: 'DescribeTopicPartitions',
  request: {
    name: 'DescribeTopicPartitionsRequest',
    validVersions: '0',
    flexibleVersions: '0+',
    fields: [
      { name: 'topics', type: '[]TopicRequest', versions: '0+', fields: [{ name: 'name', type: 'string', versions: '0+' }] },
      { name: 'responsePartitionLimit', type: 'int32', versions: '0+', default: 2000 },
      {
        name: 'cursor',
        type: 'Cursor',
        versions: '0+',
        nullableVersions: '0+',
        default: null,
        fields: [
          { name: 'topicName', type: 'string', versions: '0+' },
          { name: 'partitionIndex', type: 'int32', versions: '0+' },
        ],
      },
    ],
  },
  response: {
    name: 'DescribeTopicPartitionsResponse',
    validVersions: '0',
    flexibleVersions: '0+',
    fields: [
      { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
      {
        name: 'topics',
        type: '[]DescribeTopicPartitionsResponseTopic',
        versions: '0+',
        fields: [
          { name: 'errorCode', type: 'int16', versions: '0+' },
          { name: 'name', type: 'string', versions: '0+', nullableVersions: '0+' },
          { name: 'topicId', type: 'uuid', versions: '0+' },
          { name: 'isInternal', type: 'bool', versions: '0+' },
          {
            name: 'partitions',
            type: '[]DescribeTopicPartitionsResponsePartition',
            versions: '0+',
            fields: [
              { name: 'errorCode', type: 'int16', versions: '0+' },
              { name: 'partitionIndex', type: 'int32', versions: '0+' },
              { name: 'leaderId', type: 'int32', versions: '0+' },
              { name: 'leaderEpoch', type: 'int32', versions: '0+', default: -1 },
              { name: 'replicaNodes', type: '[]int32', versions: '0+' },
              { name: 'isrNodes', type: '[]int32', versions: '0+' },
              { name: 'eligibleLeaderReplicas', type: '[]int32', versions: '0+', nullableVersions: '0+', default: null },
              { name: 'lastKnownElr', type: '[]int32', versions: '0+', nullableVersions: '0+', default: null },
              { name: 'offlineReplicas', type: '[]int32', versions: '0+' },
            ],
          },
          { name: 'topicAuthorizedOperations', type: 'int32', versions: '0+', default: -2147483648 },
        ],
      },
      {
        name: 'nextCursor',
        type: 'Cursor',
        versions: '0+',
        nullableVersions: '0+',
        default: null,
        fields: [
          { name: 'topicName', type: 'string', versions: '0+' },
          { name: 'partitionIndex', type: 'int32', versions: '0+' },
        ],
      },
    ],
  },
};
