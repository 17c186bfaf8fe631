/**
 * AlterPartitionReassignments (45): request and response fields, transcribed from Kafka's
 * AlterPartitionReassignmentsRequest/Response schemas (v1, KIP-860, adds AllowReplicationFactorChange).
 */
import type { ApiDefinition } from '../definition.js';

export const alterPartitionReassignments: ApiDefinition = {
  apiKey: 45,
  name: 'AlterPartitionReassignments',
  request: {
    name: 'AlterPartitionReassignmentsRequest',
    validVersions: '0-1',
    flexibleVersions: '0+',
    fields: [
      { name: 'allowReplicationFactorChange', type: 'bool', versions: '1+', default: true },
      { name: 'timeoutMs', type: 'int32', versions: '0+', default: 60000 },
      {
        name: 'topics',
        type: '[]ReassignableTopic',
        versions: '0+',
        fields: [
          { name: 'name', type: 'string', versions: '0+' },
          {
            name: 'partitions',
            type: '[]ReassignablePartition',
            versions: '0+',
            fields: [
              { name: 'partitionIndex', type: 'int32', versions: '0+' },
              { name: 'replicas', type: '[]int32', versions: '0+', nullableVersions: '0+', default: null },
            ],
          },
        ],
      },
    ],
  },
  response: {
    name: 'AlterPartitionReassignmentsResponse',
    validVersions: '0-1',
    flexibleVersions: '0+',
    fields: [
      { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
      { name: 'allowReplicationFactorChange', type: 'bool', versions: '1+', default: true },
      { name: 'errorCode', type: 'int16', versions: '0+' },
      { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
      {
        name: 'responses',
        type: '[]ReassignableTopicResponse',
        versions: '0+',
        fields: [
          { name: 'name', type: 'string', versions: '0+' },
          {
            name: 'partitions',
            type: '[]ReassignablePartitionResponse',
            versions: '0+',
            fields: [
              { name: 'partitionIndex', type: 'int32', versions: '0+' },
              { name: 'errorCode', type: 'int16', versions: '0+' },
              { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
            ],
          },
        ],
      },
    ],
  },
};
