// CoalescedWrite: one write at a time; what is asked for meanwhile is written once, with the newest value.
import { describe, expect, it } from 'vitest';
import { CoalescedWrite } from '../../src/storage/coalesced-write.js';

/** A write function whose calls finish when the test says, recording what was written and the overlap. */
function controlledWrites() {
  const written: number[] = [];
  const finishers: ((error?: Error) => void)[] = [];
  let running = 0;
  let maxRunning = 0;
  const write = (value: number) =>
    new Promise<void>((resolve, reject) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      finishers.push((error) => {
        running--;
        if (error) return reject(error);
        written.push(value);
        resolve();
      });
    });
  return { write, written, finishers, maxRunning: () => maxRunning };
}

/** Lets settled promises run their callbacks. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('CoalescedWrite', () => {
  it('writes what is asked while a write runs once, after it, with the newest value; every caller learns when its value is covered', async () => {
    const writes = controlledWrites();
    const coalesced = new CoalescedWrite(writes.write);
    const first = coalesced.write(1);
    const second = coalesced.write(2);
    const third = coalesced.write(3);
    expect(second).toBe(third);
    let thirdDone = false;
    void third.then(() => (thirdDone = true));
    expect(writes.finishers).toHaveLength(1);
    writes.finishers[0]!();
    await first;
    await settle();
    expect(thirdDone).toBe(false);
    expect(writes.finishers).toHaveLength(2);
    writes.finishers[1]!();
    await third;
    expect(writes.written).toEqual([1, 3]);
    expect(writes.maxRunning()).toBe(1);
    // Idle again: the next write starts at once.
    const fourth = coalesced.write(4);
    expect(writes.finishers).toHaveLength(3);
    writes.finishers[2]!();
    await fourth;
    expect(writes.written).toEqual([1, 3, 4]);
  });

  it('rejects the callers of a failed write and goes on with the next', async () => {
    const writes = controlledWrites();
    const coalesced = new CoalescedWrite(writes.write);
    const failing = coalesced.write(1);
    const next = coalesced.write(2);
    writes.finishers[0]!(new Error('disk gone'));
    await expect(failing).rejects.toThrow('disk gone');
    await settle();
    writes.finishers[1]!();
    await next;
    expect(writes.written).toEqual([2]);
  });
});
