// A watched prefix of the metadata store, as two brokers sharing one store use it: a write through one is
// applied by the writer before it resolves and reaches the other through the watch; keys outside the prefix
// are not seen; a compare-and-swap guard on a changed key fails the write; a delete of a missing key fails
// instead of leaving the writer waiting for an event that never comes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalMetadataStore } from '../../src/cluster/store/local-store.js';
import { type PrefixChange, WatchedPrefix } from '../../src/cluster/store/watched-prefix.js';
import { pollUntil } from '../support/poll.js';

let dir: string;
let store: LocalMetadataStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gregor-watched-prefix-'));
  store = await LocalMetadataStore.open(join(dir, 'store.json'));
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('WatchedPrefix', () => {
  it('applies a write on the writer before resolving, and on the other broker through the watch', async () => {
    await store.put('quotas/user=a', '{"producer_byte_rate":1}');
    const seen: PrefixChange[] = [];
    const writer = await WatchedPrefix.open(store, 'quotas/');
    const other = await WatchedPrefix.open(store, 'quotas/', (changes) => seen.push(...changes));
    expect(other.entries()).toEqual(new Map([['user=a', '{"producer_byte_rate":1}']]));

    expect(await writer.write([{ key: 'user=b', value: '2' }])).toBe(true);
    expect(writer.get('user=b')).toBe('2');
    await store.put('topics/t', '{}');
    await pollUntil(() => other.get('user=b') === '2', 'the other broker to see the write');
    expect(await writer.write([{ key: 'user=a', value: undefined }])).toBe(true);
    expect(writer.get('user=a')).toBeUndefined();
    await pollUntil(() => other.get('user=a') === undefined, 'the other broker to see the deletion');
    expect(seen).toEqual([
      { key: 'user=b', value: '2' },
      { key: 'user=a', value: undefined },
    ]);
    await writer.close();
    await other.close();
  });

  it('fails a write whose guard no longer holds, or that deletes a missing key', async () => {
    const prefix = await WatchedPrefix.open(store, 'acls/');
    await prefix.write([{ key: 'x', value: '1' }]);
    const seenAt = prefix.modRevision('x');
    await prefix.write([{ key: 'x', value: '2' }]);
    expect(await prefix.write([{ key: 'x', value: '3' }], [{ key: 'x', target: 'modRevision', result: '=', value: seenAt }])).toBe(false);
    expect(prefix.get('x')).toBe('2');
    expect(await prefix.write([{ key: 'missing', value: undefined }])).toBe(false);
    await prefix.close();
  });
});
