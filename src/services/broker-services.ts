/**
 * The broker's services as their users see them: the network front end's handlers (through their request
 * context) and in-process users (the embedded API, the CLI). The composition root (src/broker) fills them
 * and starts src/server; the contract sits below both, so the front end names the services without
 * importing the root that builds it.
 */
import type { ClusterMetadata } from '../cluster/cluster-metadata.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { GroupCoordinator } from '../group/group-coordinator.js';
import type { TrafficObserver } from '../metrics/traffic.js';
import type { ReplicaManager } from '../replication/replica-manager.js';
import type { StandardAuthorizer } from '../security/authorizer/standard-authorizer.js';
import type { ClientQuotas } from '../security/quota/client-quotas.js';
import type { ScramCredentialStore } from '../security/scram/credential-store.js';

/** The broker's own services, which the group layer is built on. */
export interface CoreServices {
  readonly config: BrokerConfig;
  /** Topics (create, delete, configs, internal topics via `ensureTopic`), partitions, leaders, node and cluster ids. */
  readonly metadata: ClusterMetadata;
  /** Partitions of this node: appends, fetches, offsets. */
  readonly replicaManager: ReplicaManager;
  /** Told of every produced and fetched partition (metrics); absent when nobody watches. */
  readonly traffic?: TrafficObserver;
  /** The ACL authorizer (`authorizer.class.name`); absent when none is configured, and then everything is allowed. */
  readonly authorizer?: StandardAuthorizer;
}

/** Services of the consumer-group layer. */
export interface GroupServices {
  /** Joins, syncs, heartbeats and offsets of every group on this node, network and embedded members alike. */
  readonly groupCoordinator: GroupCoordinator;
  /** Creates `__consumer_offsets` unless it exists (in a cluster, the first FindCoordinator does, as Kafka's). */
  ensureOffsetsTopic(): Promise<void>;
}

/** What authentication checks logins against. */
export interface SecurityServices {
  /** SCRAM credentials: SASL/SCRAM logins read them, DescribeUserScramCredentials and AlterUserScramCredentials manage them. */
  readonly scramCredentials: ScramCredentialStore;
  /** Client quotas: DescribeClientQuotas and AlterClientQuotas manage them, the front end enforces them. */
  readonly quotas: ClientQuotas;
}

/** Everything the broker offers handlers and in-process users. */
export interface BrokerServices extends CoreServices, GroupServices, SecurityServices {}
