/**
 * The classic consumer protocol's payloads, carried as opaque bytes by JoinGroup (a member's subscription)
 * and SyncGroup (its assignment): typed encode/decode over the generic codec, for the embedded consumer.
 */
import { decodeData, encodeData } from './codec.js';
import { consumerProtocolAssignment, consumerProtocolSubscription } from './definitions/consumer-protocol.js';
import type { ConsumerProtocolAssignment, ConsumerProtocolSubscription } from './messages.js';

export function encodeSubscription(version: number, subscription: ConsumerProtocolSubscription): Buffer {
  return encodeData(consumerProtocolSubscription, version, subscription);
}

export function decodeSubscription(data: Buffer): { version: number; subscription: ConsumerProtocolSubscription } {
  const { version, body } = decodeData(consumerProtocolSubscription, data);
  return { version, subscription: body as unknown as ConsumerProtocolSubscription };
}

export function encodeAssignment(version: number, assignment: ConsumerProtocolAssignment): Buffer {
  return encodeData(consumerProtocolAssignment, version, assignment);
}

export function decodeAssignment(data: Buffer): { version: number; assignment: ConsumerProtocolAssignment } {
  const { version, body } = decodeData(consumerProtocolAssignment, data);
  return { version, assignment: body as unknown as ConsumerProtocolAssignment };
}
