/**
 * Static membership (KIP-345): which member holds each `group.instance.id`, and the fencing rule that a
 * request naming an instance id must come from the member holding it, not from an older incarnation.
 */
export class StaticMembers {
  /** group.instance.id → member id. */
  readonly #holders = new Map<string, string>();

  /** The member id holding `groupInstanceId`, if any. */
  holderOf(groupInstanceId: string): string | undefined {
    return this.#holders.get(groupInstanceId);
  }

  has(groupInstanceId: string): boolean {
    return this.#holders.has(groupInstanceId);
  }

  /** `memberId` holds `groupInstanceId` from now on (a join, a restart with a new member id, a restore). */
  assign(groupInstanceId: string, memberId: string): void {
    this.#holders.set(groupInstanceId, memberId);
  }

  /** Frees `groupInstanceId` if `memberId` still holds it (a member replaced meanwhile keeps its successor's hold). */
  release(groupInstanceId: string, memberId: string): void {
    if (this.#holders.get(groupInstanceId) === memberId) this.#holders.delete(groupInstanceId);
  }

  /** True when `groupInstanceId` is held by another member: the request comes from a fenced instance. */
  isFenced(groupInstanceId: string | null, memberId: string): boolean {
    if (groupInstanceId === null) return false;
    const holder = this.#holders.get(groupInstanceId);
    return holder !== undefined && holder !== memberId;
  }
}
