/** What the group state machine answers to JoinGroup and SyncGroup, in the fields the wire responses carry. */
import type { ErrorCode } from '../protocol/error-codes.js';

export interface JoinGroupMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly metadata: Buffer;
}

export interface JoinGroupResult {
  readonly errorCode: ErrorCode;
  readonly generationId: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly leader: string;
  /** KIP-814: a static leader rejoining a stable group gets the members but must not reassign. */
  readonly skipAssignment: boolean;
  readonly memberId: string;
  /** Every member's metadata for the chosen protocol, for the leader only; empty for followers. */
  readonly members: readonly JoinGroupMember[];
}

export interface SyncGroupResult {
  readonly errorCode: ErrorCode;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignment: Buffer;
}

/** A JoinGroup answer that carries only an error (and the member id the client should use next). */
export function joinError(errorCode: ErrorCode, memberId = ''): JoinGroupResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] };
}

export function syncError(errorCode: ErrorCode): SyncGroupResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
}
