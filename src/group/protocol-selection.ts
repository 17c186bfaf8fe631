/**
 * Which protocol a group runs, as pure functions of what its members offered in JoinGroup (Kafka's
 * GroupMetadata.supportsProtocols and selectProtocol).
 */
import type { GroupProtocol } from './member.js';

/** A member's offer: its protocols in its order of preference. */
export interface ProtocolOffer {
  readonly memberId: string;
  readonly protocols: readonly GroupProtocol[];
}

/** Protocols all members support, in the first member's order of preference. */
export function commonProtocols(members: readonly ProtocolOffer[]): Set<string> {
  const common = new Set<string>();
  const first = members[0];
  if (first === undefined) return common;
  for (const p of first.protocols) {
    if (members.every((m) => m.protocols.some((q) => q.name === p.name))) common.add(p.name);
  }
  return common;
}

/** The protocol every member supports that most members prefer (ties go to the earlier in the first member's list). */
export function selectProtocol(members: readonly ProtocolOffer[]): string {
  const candidates = commonProtocols(members);
  const votes = new Map<string, number>();
  for (const m of members) {
    const choice = vote(m, candidates);
    votes.set(choice, (votes.get(choice) ?? 0) + 1);
  }
  let best = '';
  let bestVotes = -1;
  for (const name of candidates) {
    const count = votes.get(name) ?? 0;
    if (count > bestVotes) {
      best = name;
      bestVotes = count;
    }
  }
  return best;
}

/**
 * Whether a joining member's offer fits the group: the first member needs a protocol type and at least one
 * protocol; later ones the group's protocol type and one protocol every member supports.
 */
export function supportsProtocols(
  members: readonly ProtocolOffer[],
  groupProtocolType: string | null,
  protocolType: string,
  protocols: readonly GroupProtocol[],
): boolean {
  if (members.length === 0) return protocolType !== '' && protocols.length > 0;
  if (protocolType !== groupProtocolType) return false;
  const common = commonProtocols(members);
  return protocols.some((p) => common.has(p.name));
}

/** The first of the member's protocols (in its order of preference) that is among `candidates`. */
function vote(member: ProtocolOffer, candidates: ReadonlySet<string>): string {
  const choice = member.protocols.find((p) => candidates.has(p.name));
  if (!choice) throw new Error(`member ${member.memberId} supports none of ${[...candidates].join(', ')}`);
  return choice.name;
}
