/**
 * One member of a classic group, as the coordinator knows it: identity, timeouts, the protocols it offered in
 * its last JoinGroup, the assignment it was given, and the JoinGroup/SyncGroup responses it is waiting for.
 */
import type { Cancel } from './scheduler.js';
import type { JoinGroupResult, SyncGroupResult } from './results.js';

/** A protocol a member offers in JoinGroup (for consumers: an assignor name and its subscription bytes). */
export interface GroupProtocol {
  readonly name: string;
  readonly metadata: Buffer;
}

export class Member {
  memberId: string;
  readonly groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  readonly protocolType: string;
  protocols: readonly GroupProtocol[];
  assignment: Buffer = EMPTY;
  /** Joined during the group's first rebalance: expires after Kafka's new-member join timeout, not the session. */
  isNew = false;
  awaitingJoin: ((result: JoinGroupResult) => void) | null = null;
  awaitingSync: ((result: SyncGroupResult) => void) | null = null;
  /** The pending session-expiry timer. */
  expiry: Cancel | null = null;

  constructor(fields: {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    rebalanceTimeoutMs: number;
    sessionTimeoutMs: number;
    protocolType: string;
    protocols: readonly GroupProtocol[];
  }) {
    this.memberId = fields.memberId;
    this.groupInstanceId = fields.groupInstanceId;
    this.clientId = fields.clientId;
    this.clientHost = fields.clientHost;
    this.rebalanceTimeoutMs = fields.rebalanceTimeoutMs;
    this.sessionTimeoutMs = fields.sessionTimeoutMs;
    this.protocolType = fields.protocolType;
    this.protocols = fields.protocols;
  }

  /** The metadata this member offered for `protocol`. */
  metadataFor(protocol: string): Buffer {
    const found = this.protocols.find((p) => p.name === protocol);
    if (!found) throw new Error(`member ${this.memberId} does not support protocol ${protocol}`);
    return found.metadata;
  }

  /** Same protocols, same order, same metadata bytes: a rejoin that changes nothing the leader would see. */
  matches(protocols: readonly GroupProtocol[]): boolean {
    return (
      protocols.length === this.protocols.length &&
      protocols.every((p, i) => p.name === this.protocols[i]!.name && p.metadata.equals(this.protocols[i]!.metadata))
    );
  }

  stopExpiry(): void {
    this.expiry?.();
    this.expiry = null;
  }
}

const EMPTY = Buffer.alloc(0);
