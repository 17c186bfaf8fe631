/**
 * KIP-599's controller mutation quota as one request sees it (Kafka's Strict- and
 * PermissiveControllerMutationQuota): each topic the request creates, grows or deletes counts its partitions
 * against the client's controller_mutation_rate. Strict, for the versions whose clients know
 * THROTTLING_QUOTA_EXCEEDED (CreateTopics v6+, CreatePartitions v3+, DeleteTopics v5+): a mutation is
 * refused while the quota is exhausted, and one that exhausts it is still accepted. Permissive, for older
 * versions: every mutation is accepted, and the response throttled once the quota is exhausted.
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { ClientQuotaManager } from './client-quota-manager.js';
import type { TokenBucket } from './token-bucket.js';

export class ControllerMutationQuota {
  readonly #manager: ClientQuotaManager<TokenBucket>;
  readonly #user: string;
  readonly #clientId: string;
  readonly #strict: boolean;
  readonly #clock: () => number;
  #throttleMs = 0;
  #throttledAt = 0;

  constructor(manager: ClientQuotaManager<TokenBucket>, user: string, clientId: string, strict: boolean, clock: () => number) {
    this.#manager = manager;
    this.#user = user;
    this.#clientId = clientId;
    this.#strict = strict;
    this.#clock = clock;
  }

  /** Counts a mutation of `partitions` partitions; strict, throws THROTTLING_QUOTA_EXCEEDED instead while the quota is exhausted. */
  record(partitions: number): void {
    if (this.#strict) {
      const waitMs = this.#manager.throttleTimeMs(this.#user, this.#clientId);
      if (waitMs > 0) {
        this.#throttled(waitMs);
        throw new KafkaError(ErrorCode.THROTTLING_QUOTA_EXCEEDED, 'The throttling quota has been exceeded.');
      }
      this.#manager.record(this.#user, this.#clientId, partitions);
    } else {
      const waitMs = this.#manager.record(this.#user, this.#clientId, partitions);
      if (waitMs > 0) this.#throttled(waitMs);
    }
  }

  /** What is left now of the throttle time the quota set (the request may have waited since). */
  throttleTimeMs(): number {
    return Math.max(0, Math.round(this.#throttleMs - (this.#clock() - this.#throttledAt)));
  }

  #throttled(waitMs: number): void {
    this.#throttleMs = waitMs;
    this.#throttledAt = this.#clock();
    this.#manager.throttled(this.#user, this.#clientId, waitMs);
  }
}
