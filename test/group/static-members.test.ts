// Static membership (KIP-345): an instance id is held by one member id at a time; requests naming it from any
// other member id are fenced, and a replaced member leaving does not free its successor's hold.
import { describe, expect, it } from 'vitest';
import { StaticMembers } from '../../src/group/static-members.js';

describe('static members', () => {
  it('fences every member id but the holder, and nobody without an instance id', () => {
    const members = new StaticMembers();
    members.assign('instance-1', 'm1');
    expect(members.isFenced('instance-1', 'm1')).toBe(false);
    expect(members.isFenced('instance-1', 'm0')).toBe(true);
    expect(members.isFenced('instance-2', 'm0')).toBe(false);
    expect(members.isFenced(null, 'm0')).toBe(false);
  });

  it('hands the instance id to a restarted member, whose predecessor cannot release it', () => {
    const members = new StaticMembers();
    members.assign('instance-1', 'm1');
    members.assign('instance-1', 'm2');
    expect(members.isFenced('instance-1', 'm1')).toBe(true);
    members.release('instance-1', 'm1');
    expect(members.holderOf('instance-1')).toBe('m2');
    members.release('instance-1', 'm2');
    expect(members.has('instance-1')).toBe(false);
  });
});
