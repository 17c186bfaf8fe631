// Protocol selection as Kafka's GroupMetadata does it: only protocols every member offers are candidates,
// each member votes for its own first candidate, and a tie goes to the first member's earlier preference.
import { describe, expect, it } from 'vitest';
import { commonProtocols, selectProtocol, supportsProtocols } from '../../src/group/protocol-selection.js';

const offer = (memberId: string, ...names: string[]) => ({ memberId, protocols: names.map((name) => ({ name, metadata: Buffer.from(name) })) });

describe('protocol selection', () => {
  it('lists the protocols every member offers, in the first member order', () => {
    expect([...commonProtocols([offer('a', 'range', 'roundrobin', 'sticky'), offer('b', 'sticky', 'range')])]).toEqual(['range', 'sticky']);
    expect([...commonProtocols([])]).toEqual([]);
  });

  it('picks the candidate most members prefer', () => {
    expect(selectProtocol([offer('a', 'range', 'roundrobin'), offer('b', 'roundrobin', 'range'), offer('c', 'roundrobin', 'range')])).toBe('roundrobin');
  });

  it('breaks a tie by the first member order of preference', () => {
    expect(selectProtocol([offer('a', 'range', 'roundrobin'), offer('b', 'roundrobin', 'range')])).toBe('range');
  });

  it('ignores a preferred protocol that not every member offers', () => {
    expect(selectProtocol([offer('a', 'sticky', 'range'), offer('b', 'range')])).toBe('range');
  });

  it('lets a first member in with any protocol type and at least one protocol', () => {
    expect(supportsProtocols([], null, 'consumer', offer('a', 'range').protocols)).toBe(true);
    expect(supportsProtocols([], null, '', offer('a', 'range').protocols)).toBe(false);
    expect(supportsProtocols([], null, 'consumer', [])).toBe(false);
  });

  it('admits a later member only with the group protocol type and a protocol all members offer', () => {
    const members = [offer('a', 'range', 'roundrobin'), offer('b', 'roundrobin')];
    expect(supportsProtocols(members, 'consumer', 'consumer', offer('c', 'sticky', 'roundrobin').protocols)).toBe(true);
    expect(supportsProtocols(members, 'consumer', 'consumer', offer('c', 'range').protocols)).toBe(false);
    expect(supportsProtocols(members, 'consumer', 'connect', offer('c', 'roundrobin').protocols)).toBe(false);
  });
});
