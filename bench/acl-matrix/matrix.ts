/**
 * Runs the ACL matrix against one broker: for every resource type × operation Kafka checks for it ×
 * ALLOW/DENY × LITERAL/PREFIXED (and one cell with no ACL at all), sets the cell's ACLs as the super user
 * `admin`, then sends as the plain user `alice` every API that checks them and records the error codes
 * (and KIP-430 authorized-operation fields) of each response. The requests are the same bytes whatever the
 * broker, so two brokers' answers compare cell by cell.
 */
import { RawClient } from '../lib/raw-client.js';
import { fetchRequest } from '../lib/fetch-request.js';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { AclOperation, AclPermissionType, CLUSTER_NAME, PatternType, ResourceType } from '../../src/security/authorizer/acl.js';
import { native } from '../../src/storage/native.js';

/** The PLAIN users both brokers know: `admin` is the only super user. */
export const MATRIX_USERS = { admin: 'admin-secret', alice: 'alice-secret' } as const;
export const MATRIX_PRINCIPAL = 'User:alice';

/** Every operation Kafka checks on a resource type, in AclOperation order. */
export const CHECKED_OPERATIONS: Record<string, readonly AclOperation[]> = {
  TOPIC: [
    AclOperation.ALL,
    AclOperation.READ,
    AclOperation.WRITE,
    AclOperation.CREATE,
    AclOperation.DELETE,
    AclOperation.ALTER,
    AclOperation.DESCRIBE,
    AclOperation.DESCRIBE_CONFIGS,
    AclOperation.ALTER_CONFIGS,
  ],
  GROUP: [AclOperation.ALL, AclOperation.READ, AclOperation.DELETE, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS],
  CLUSTER: [
    AclOperation.ALL,
    AclOperation.CREATE,
    AclOperation.DELETE,
    AclOperation.ALTER,
    AclOperation.DESCRIBE,
    AclOperation.CLUSTER_ACTION,
    AclOperation.DESCRIBE_CONFIGS,
    AclOperation.ALTER_CONFIGS,
    AclOperation.IDEMPOTENT_WRITE,
  ],
  TRANSACTIONAL_ID: [AclOperation.ALL, AclOperation.WRITE, AclOperation.DESCRIBE, AclOperation.TWO_PHASE_COMMIT],
  USER: [AclOperation.ALL, AclOperation.CREATE_TOKENS, AclOperation.DESCRIBE_TOKENS],
};

export interface Cell {
  /** e.g. `TOPIC READ ALLOW PREFIXED`, or `no ACL`. */
  readonly name: string;
  readonly resourceType?: ResourceType;
  readonly operation?: AclOperation;
  readonly permission?: AclPermissionType;
  readonly pattern?: PatternType;
}

/** The cells in a fixed order: a cell's place names its resources, so it must not move between runs. */
export function matrixCells(): Cell[] {
  const cells: Cell[] = [{ name: 'no ACL' }];
  for (const [type, operations] of Object.entries(CHECKED_OPERATIONS)) {
    for (const operation of operations) {
      for (const permission of [AclPermissionType.ALLOW, AclPermissionType.DENY]) {
        for (const pattern of [PatternType.LITERAL, PatternType.PREFIXED]) {
          const resourceType = ResourceType[type as keyof typeof ResourceType];
          cells.push({
            name: `${type} ${AclOperation[operation]} ${AclPermissionType[permission]} ${PatternType[pattern]}`,
            resourceType,
            operation,
            permission,
            pattern,
          });
        }
      }
    }
  }
  return cells;
}

/** A cell's answers: per probe, the error codes and authorized-operation fields of its response in wire order. */
export type CellAnswers = Record<string, (number | string)[]>;
export type MatrixAnswers = Record<string, CellAnswers>;

/** The names one cell's requests use; the cell's ACLs name exactly these (LITERAL) or their common prefix (PREFIXED). */
class CellResources {
  readonly prefix: string;
  readonly topic: string;
  readonly newTopic: string;
  readonly autoTopic: string;
  readonly group: string;
  readonly joinGroup: string;
  readonly transactionalId: string;
  readonly user: string;

  constructor(index: number) {
    this.prefix = `m${String(index).padStart(3, '0')}-`;
    this.topic = `${this.prefix}topic`;
    this.newTopic = `${this.prefix}new`;
    this.autoTopic = `${this.prefix}auto`;
    this.group = `${this.prefix}group`;
    this.joinGroup = `${this.prefix}join`;
    this.transactionalId = `${this.prefix}txn`;
    this.user = `${this.prefix}user`;
  }

  literalNames(type: ResourceType): string[] {
    switch (type) {
      case ResourceType.TOPIC:
        return [this.topic, this.newTopic, this.autoTopic];
      case ResourceType.GROUP:
        return [this.group, this.joinGroup];
      case ResourceType.CLUSTER:
        return [CLUSTER_NAME];
      case ResourceType.TRANSACTIONAL_ID:
        return [this.transactionalId];
      default:
        return [this.user];
    }
  }

  /** The cluster's PREFIXED pattern must still be its one valid name, as Kafka refuses any other. */
  prefixedName(type: ResourceType): string {
    return type === ResourceType.CLUSTER ? CLUSTER_NAME : this.prefix;
  }
}

interface AclCreation {
  resourceType: number;
  resourceName: string;
  resourcePatternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}

function acl(resourceType: ResourceType, resourceName: string, pattern: PatternType, operation: AclOperation, permission: AclPermissionType): AclCreation {
  return { resourceType, resourceName, resourcePatternType: pattern, principal: MATRIX_PRINCIPAL, host: '*', operation, permissionType: permission };
}

/** ALL on every resource of a type, for `alice`. */
function allowAllOf(type: ResourceType): AclCreation {
  return acl(type, type === ResourceType.CLUSTER ? CLUSTER_NAME : '*', PatternType.LITERAL, AclOperation.ALL, AclPermissionType.ALLOW);
}

/**
 * An ALLOW cell also grants ALL on the type an API checks alongside (the group for topic cells, the topic for
 * group cells), so OffsetCommit or OffsetDelete show what the cell's own ACL does; a DENY cell grants ALL on
 * everything, so it shows which checks the denied operation takes away.
 */
function cellAcls(cell: Cell, resources: CellResources): AclCreation[] {
  if (cell.resourceType === undefined) return [];
  const { resourceType, operation, permission, pattern } = cell as Required<Cell>;
  const own =
    pattern === PatternType.LITERAL
      ? resources.literalNames(resourceType).map((name) => acl(resourceType, name, pattern, operation, permission))
      : [acl(resourceType, resources.prefixedName(resourceType), pattern, operation, permission)];
  if (permission === AclPermissionType.DENY) {
    return [...own, ...[ResourceType.TOPIC, ResourceType.GROUP, ResourceType.CLUSTER, ResourceType.TRANSACTIONAL_ID, ResourceType.USER].map(allowAllOf)];
  }
  const companion = { [ResourceType.TOPIC]: ResourceType.GROUP, [ResourceType.GROUP]: ResourceType.TOPIC }[resourceType as number];
  return companion === undefined ? own : [...own, allowAllOf(companion)];
}

const REQUEST_TIMEOUT_MS = 30_000;
const SETTLE_TIMEOUT_MS = 30_000;
// Kafka's ConfigResource.Type codes.
const CONFIG_TOPIC = 2;
const CONFIG_BROKER = 4;
const ANY_ACL_FILTER = {
  resourceTypeFilter: ResourceType.ANY,
  resourceNameFilter: null,
  patternTypeFilter: PatternType.ANY,
  principalFilter: null,
  hostFilter: null,
  operation: AclOperation.ANY,
  permissionType: AclPermissionType.ANY,
};
const SCRAM_SHA_256 = 1;

/** One SASL PLAIN connection with a deadline on every request. */
class Connection {
  private constructor(private readonly client: RawClient) {}

  static async open(bootstrap: string, user: keyof typeof MATRIX_USERS): Promise<Connection> {
    const client = await RawClient.connect(bootstrap);
    const connection = new Connection(client);
    await connection.request(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
    const auth = await connection.request(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from(`\u0000${user}\u0000${MATRIX_USERS[user]}`) });
    if (auth.errorCode !== ErrorCode.NONE) throw new Error(`${user} could not log in: error ${auth.errorCode}`);
    return connection;
  }

  async request(apiKey: ApiKey, version: number, body: unknown): Promise<any> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer to ${ApiKey[apiKey]} v${version} in ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS);
    });
    try {
      return await Promise.race([this.client.request(apiKey, version, body), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.client.close();
  }
}

/** Retries `attempt` until it answers true, failing with `what` after the deadline. */
async function settle(what: string, attempt: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  while (!(await attempt())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The error codes and authorized-operation fields anywhere in a response, in the order the response holds them. */
function answerFields(response: unknown): number[] {
  const found: number[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
      for (const [key, field] of Object.entries(value)) {
        if (key === 'errorCode' || /authorizedOperations$/i.test(key)) found.push(field as number);
        else walk(field);
      }
    }
  };
  walk(response);
  return found;
}

interface ProbeContext {
  readonly alice: Connection;
  readonly resources: CellResources;
  readonly brokerId: string;
}

type Probe = readonly [name: string, send: (context: ProbeContext) => Promise<(number | string)[]>];

/** Sends one request as alice and keeps the answer's error codes. */
function probe(name: string, apiKey: ApiKey, version: number, body: (r: CellResources, brokerId: string) => unknown): Probe {
  return [name, async ({ alice, resources, brokerId }) => answerFields(await alice.request(apiKey, version, body(resources, brokerId)))];
}

const record = native.buildRecordBatch({ values: [Buffer.from('matrix')] });

/** The APIs alice sends in every cell, destructive ones last (DeleteGroups, then DeleteTopics). */
const PROBES: readonly Probe[] = [
  probe('Metadata', ApiKey.Metadata, 12, (r) => ({
    topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: r.topic }],
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: true,
  })),
  [
    'Metadata all topics lists the topic',
    async ({ alice, resources }) => {
      const all = await alice.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      return [all.topics.some((t: { name: string }) => t.name === resources.topic) ? 'listed' : 'hidden'];
    },
  ],
  probe('Metadata auto-create', ApiKey.Metadata, 12, (r) => ({
    topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: r.autoTopic }],
    allowAutoTopicCreation: true,
    includeTopicAuthorizedOperations: false,
  })),
  probe('Produce', ApiKey.Produce, 9, (r) => ({
    transactionalId: null,
    acks: 1,
    timeoutMs: 10_000,
    topicData: [{ name: r.topic, partitionData: [{ index: 0, records: record }] }],
  })),
  probe('Fetch', ApiKey.Fetch, 12, (r) => fetchRequest({ topic: r.topic }, { minBytes: 0 })),
  probe('ListOffsets', ApiKey.ListOffsets, 7, (r) => ({
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: r.topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }],
  })),
  probe('OffsetForLeaderEpoch', ApiKey.OffsetForLeaderEpoch, 4, (r) => ({
    replicaId: -1,
    topics: [{ topic: r.topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }],
  })),
  probe('DescribeProducers', ApiKey.DescribeProducers, 0, (r) => ({ topics: [{ name: r.topic, partitionIndexes: [0] }] })),
  probe('DescribeTopicPartitions', ApiKey.DescribeTopicPartitions, 0, (r) => ({ topics: [{ name: r.topic }], responsePartitionLimit: 100, cursor: null })),
  probe('FindCoordinator group', ApiKey.FindCoordinator, 3, (r) => ({ key: r.group, keyType: 0 })),
  probe('FindCoordinator transaction', ApiKey.FindCoordinator, 3, (r) => ({ key: r.transactionalId, keyType: 1 })),
  probe('OffsetCommit', ApiKey.OffsetCommit, 8, (r) => ({
    groupId: r.group,
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [{ name: r.topic, partitions: [{ partitionIndex: 0, committedOffset: 0n, committedLeaderEpoch: -1, committedMetadata: null }] }],
  })),
  probe('OffsetFetch', ApiKey.OffsetFetch, 7, (r) => ({ groupId: r.group, topics: [{ name: r.topic, partitionIndexes: [0] }], requireStable: false })),
  probe('DescribeGroups', ApiKey.DescribeGroups, 5, (r) => ({ groups: [r.group], includeAuthorizedOperations: true })),
  [
    'ListGroups lists the group',
    async ({ alice, resources }) => {
      const listed = await alice.request(ApiKey.ListGroups, 4, { statesFilter: [] });
      return [listed.errorCode, listed.groups.some((g: { groupId: string }) => g.groupId === resources.group) ? 'listed' : 'hidden'];
    },
  ],
  probe('JoinGroup', ApiKey.JoinGroup, 5, (r) => ({
    groupId: r.joinGroup,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
  })),
  probe('Heartbeat', ApiKey.Heartbeat, 4, (r) => ({ groupId: r.joinGroup, generationId: 1, memberId: 'unknown-member', groupInstanceId: null })),
  probe('LeaveGroup', ApiKey.LeaveGroup, 4, (r) => ({ groupId: r.joinGroup, members: [{ memberId: 'unknown-member', groupInstanceId: null }] })),
  probe('InitProducerId idempotent', ApiKey.InitProducerId, 4, () => ({ transactionalId: null, transactionTimeoutMs: -1, producerId: -1n, producerEpoch: -1 })),
  probe('InitProducerId transactional', ApiKey.InitProducerId, 4, (r) => ({
    transactionalId: r.transactionalId,
    transactionTimeoutMs: 60_000,
    producerId: -1n,
    producerEpoch: -1,
  })),
  probe('CreateTopics', ApiKey.CreateTopics, 7, (r) => ({
    topics: [r.topic, r.newTopic].map((name) => ({ name, numPartitions: 1, replicationFactor: -1, assignments: [], configs: [] })),
    timeoutMs: 10_000,
    validateOnly: true,
  })),
  probe('CreatePartitions', ApiKey.CreatePartitions, 3, (r) => ({
    topics: [{ name: r.topic, count: 2, assignments: null }],
    timeoutMs: 10_000,
    validateOnly: true,
  })),
  probe('DescribeConfigs', ApiKey.DescribeConfigs, 4, (r, brokerId) => ({
    resources: [
      { resourceType: CONFIG_TOPIC, resourceName: r.topic, configurationKeys: ['retention.ms'] },
      { resourceType: CONFIG_BROKER, resourceName: brokerId, configurationKeys: ['log.retention.ms'] },
    ],
    includeSynonyms: false,
    includeDocumentation: false,
  })),
  probe('AlterConfigs', ApiKey.AlterConfigs, 2, (r, brokerId) => ({
    resources: [
      { resourceType: CONFIG_TOPIC, resourceName: r.topic, configs: [{ name: 'retention.ms', value: '600000' }] },
      { resourceType: CONFIG_BROKER, resourceName: brokerId, configs: [] },
    ],
    validateOnly: true,
  })),
  probe('IncrementalAlterConfigs', ApiKey.IncrementalAlterConfigs, 1, (r, brokerId) => ({
    resources: [
      { resourceType: CONFIG_TOPIC, resourceName: r.topic, configs: [{ name: 'retention.ms', configOperation: 0, value: '600000' }] },
      { resourceType: CONFIG_BROKER, resourceName: brokerId, configs: [] },
    ],
    validateOnly: true,
  })),
  [
    'DescribeAcls',
    async ({ alice }) => {
      const described = await alice.request(ApiKey.DescribeAcls, 3, ANY_ACL_FILTER);
      return [described.errorCode];
    },
  ],
  probe('CreateAcls', ApiKey.CreateAcls, 3, () => ({
    creations: [
      { ...acl(ResourceType.TOPIC, 'matrix-bystander', PatternType.LITERAL, AclOperation.READ, AclPermissionType.ALLOW), principal: 'User:bystander' },
    ],
  })),
  probe('DeleteAcls', ApiKey.DeleteAcls, 3, () => ({ filters: [{ ...ANY_ACL_FILTER, principalFilter: 'User:bystander' }] })),
  probe('DescribeUserScramCredentials', ApiKey.DescribeUserScramCredentials, 0, (r) => ({ users: [{ name: r.user }] })),
  probe('AlterUserScramCredentials', ApiKey.AlterUserScramCredentials, 0, (r) => ({
    deletions: [],
    upsertions: [{ name: r.user, mechanism: SCRAM_SHA_256, iterations: 8192, salt: Buffer.alloc(16, 1), saltedPassword: Buffer.alloc(32, 2) }],
  })),
  probe('DescribeClientQuotas', ApiKey.DescribeClientQuotas, 1, () => ({ components: [], strict: false })),
  probe('AlterClientQuotas', ApiKey.AlterClientQuotas, 1, (r) => ({
    entries: [{ entity: [{ entityType: 'user', entityName: r.user }], ops: [{ key: 'producer_byte_rate', value: 1_000_000, remove: false }] }],
    validateOnly: true,
  })),
  probe('DescribeCluster', ApiKey.DescribeCluster, 1, () => ({ includeClusterAuthorizedOperations: true, endpointType: 1 })),
  probe('DescribeLogDirs', ApiKey.DescribeLogDirs, 4, (r) => ({ topics: [{ topic: r.topic, partitions: [0] }] })),
  probe('ElectLeaders', ApiKey.ElectLeaders, 2, (r) => ({ electionType: 0, topicPartitions: [{ topic: r.topic, partitions: [0] }], timeoutMs: 10_000 })),
  probe('DeleteRecords', ApiKey.DeleteRecords, 2, (r) => ({ topics: [{ name: r.topic, partitions: [{ partitionIndex: 0, offset: 0n }] }], timeoutMs: 10_000 })),
  probe('OffsetDelete', ApiKey.OffsetDelete, 0, (r) => ({ groupId: r.group, topics: [{ name: r.topic, partitions: [{ partitionIndex: 0 }] }] })),
  probe('DeleteGroups', ApiKey.DeleteGroups, 2, (r) => ({ groupsNames: [r.group] })),
  probe('DeleteTopics', ApiKey.DeleteTopics, 5, (r) => ({ topicNames: [r.topic], timeoutMs: 10_000 })),
];

/** The admin's side of the matrix: a fresh topic and committed group per cell, and the cell's ACLs in force. */
class Admin {
  constructor(private readonly admin: Connection) {}

  /**
   * Waits until the broker serves groups and producer ids (Kafka creates its offsets and transaction state
   * topics on first use); a broker without transactions answers transaction keys with a lasting error.
   */
  async warmUp(): Promise<void> {
    const coordinator = (keyType: number) => this.admin.request(ApiKey.FindCoordinator, 3, { key: 'matrix-warm-up', keyType });
    await settle('the group coordinator', async () => (await coordinator(0)).errorCode === ErrorCode.NONE);
    const transient = [ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.NOT_COORDINATOR];
    await settle('the transaction coordinator', async () => !transient.includes((await coordinator(1)).errorCode));
    await settle('producer ids', async () => {
      const initialized = await this.admin.request(ApiKey.InitProducerId, 4, {
        transactionalId: null,
        transactionTimeoutMs: -1,
        producerId: -1n,
        producerEpoch: -1,
      });
      return initialized.errorCode === ErrorCode.NONE;
    });
  }

  async brokerId(): Promise<string> {
    const metadata = await this.admin.request(ApiKey.Metadata, 12, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    return String(metadata.brokers[0].nodeId);
  }

  async prepare(resources: CellResources): Promise<void> {
    const created = await this.admin.request(ApiKey.CreateTopics, 7, {
      topics: [{ name: resources.topic, numPartitions: 1, replicationFactor: -1, assignments: [], configs: [] }],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    if (created.topics[0].errorCode !== ErrorCode.NONE) throw new Error(`creating ${resources.topic}: error ${created.topics[0].errorCode}`);
    await settle(`${resources.topic} to have a leader`, async () => {
      const metadata = await this.admin.request(ApiKey.Metadata, 12, {
        topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: resources.topic }],
        allowAutoTopicCreation: false,
        includeTopicAuthorizedOperations: false,
      });
      const [topic] = metadata.topics;
      return topic.errorCode === ErrorCode.NONE && topic.partitions[0]?.leaderId >= 0;
    });
    await settle(`an offset of ${resources.group} committed`, async () => {
      const committed = await this.admin.request(ApiKey.OffsetCommit, 8, {
        groupId: resources.group,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [{ name: resources.topic, partitions: [{ partitionIndex: 0, committedOffset: 0n, committedLeaderEpoch: -1, committedMetadata: null }] }],
      });
      return committed.topics[0].partitions[0].errorCode === ErrorCode.NONE;
    });
  }

  /** Replaces every ACL with `acls` and waits until the broker applies them. */
  async setAcls(acls: AclCreation[]): Promise<void> {
    const deleted = await this.admin.request(ApiKey.DeleteAcls, 3, { filters: [ANY_ACL_FILTER] });
    if (deleted.filterResults[0].errorCode !== ErrorCode.NONE) throw new Error(`DeleteAcls: error ${deleted.filterResults[0].errorCode}`);
    await settle('the ACLs to be removed', async () => (await this.aclCount()) === 0);
    if (acls.length === 0) return;
    const created = await this.admin.request(ApiKey.CreateAcls, 3, { creations: acls });
    const failed = created.results.find((r: { errorCode: number }) => r.errorCode !== ErrorCode.NONE);
    if (failed) throw new Error(`CreateAcls: error ${failed.errorCode} ${failed.errorMessage}`);
    await settle('the ACLs to apply', async () => (await this.aclCount()) === acls.length);
  }

  private async aclCount(): Promise<number> {
    const described = await this.admin.request(ApiKey.DescribeAcls, 3, ANY_ACL_FILTER);
    return described.resources.reduce((sum: number, r: { acls: unknown[] }) => sum + r.acls.length, 0);
  }
}

/** Runs every cell (or those `only` names) against the broker at `bootstrap`, which must have the matrix's users and an authorizer. */
export async function runAclMatrix(bootstrap: string, options: { only?: (cell: Cell) => boolean; log?: (line: string) => void } = {}): Promise<MatrixAnswers> {
  const adminConnection = await Connection.open(bootstrap, 'admin');
  const alice = await Connection.open(bootstrap, 'alice');
  try {
    const admin = new Admin(adminConnection);
    await admin.warmUp();
    const brokerId = await admin.brokerId();
    const answers: MatrixAnswers = {};
    for (const [index, cell] of matrixCells().entries()) {
      if (options.only && !options.only(cell)) continue;
      const resources = new CellResources(index);
      await admin.prepare(resources);
      await admin.setAcls(cellAcls(cell, resources));
      const cellAnswers: CellAnswers = {};
      for (const [name, send] of PROBES) cellAnswers[name] = await send({ alice, resources, brokerId });
      answers[cell.name] = cellAnswers;
      options.log?.(`${cell.name}: done`);
    }
    await admin.setAcls([]);
    return answers;
  } finally {
    adminConnection.close();
    alice.close();
  }
}
