/** AlterClientQuotas (49): request and response fields, transcribed from Kafka's AlterClientQuotasRequest/AlterClientQuotasResponse schemas. */
import type { ApiDefinition } from '../definition.js';

const entity = {
  name: 'entity',
  type: '[]EntityData',
  versions: '0+',
  fields: [
    { name: 'entityType', type: 'string', versions: '0+' },
    { name: 'entityName', type: 'string', versions: '0+', nullableVersions: '0+' },
  ],
} as const;

export const alterClientQuotas: ApiDefinition = {
  apiKey: 49,
  name: 'AlterClientQuotas',
  request: {
    name: 'AlterClientQuotasRequest',
    validVersions: '0-1',
    flexibleVersions: '1+',
    fields: [
      {
        name: 'entries',
        type: '[]EntryData',
        versions: '0+',
        fields: [
          entity,
          {
            name: 'ops',
            type: '[]OpData',
            versions: '0+',
            fields: [
              { name: 'key', type: 'string', versions: '0+' },
              { name: 'value', type: 'float64', versions: '0+' },
              { name: 'remove', type: 'bool', versions: '0+' },
            ],
          },
        ],
      },
      { name: 'validateOnly', type: 'bool', versions: '0+' },
    ],
  },
  response: {
    name: 'AlterClientQuotasResponse',
    validVersions: '0-1',
    flexibleVersions: '1+',
    fields: [
      { name: 'throttleTimeMs', type: 'int32', versions: '0+' },
      {
        name: 'entries',
        type: '[]EntryData',
        versions: '0+',
        fields: [
          { name: 'errorCode', type: 'int16', versions: '0+' },
          { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
          entity,
        ],
      },
    ],
  },
};
