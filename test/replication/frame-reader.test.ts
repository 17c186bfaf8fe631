// FrameReader: a follower's connection cut into response frames however the socket splits the stream, each
// received byte copied at most once (not once per later chunk of a large Fetch response).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FrameReader } from '../../src/replication/fetcher/frame-reader.js';

function framed(...bodies: Buffer[]): Buffer {
  return Buffer.concat(
    bodies.flatMap((body) => {
      const prefix = Buffer.alloc(4);
      prefix.writeInt32BE(body.length);
      return [prefix, body];
    }),
  );
}

function body(size: number, seed: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

/** Feeds `stream` in chunks of `chunkSize` bytes; returns every frame, in order. */
function readAll(stream: Buffer, chunkSize: number): Buffer[] {
  const reader = new FrameReader();
  const frames: Buffer[] = [];
  for (let at = 0; at < stream.length; at += chunkSize) frames.push(...reader.push(stream.subarray(at, at + chunkSize)));
  return frames;
}

describe('FrameReader', () => {
  afterEach(() => vi.restoreAllMocks());

  const bodies = [body(10, 1), body(0, 2), body(300, 3), body(7, 4)];
  const stream = framed(...bodies);

  it.each([1, 2, 3, 5, 64, stream.length])('gives every frame whole and in order from chunks of %i bytes', (chunkSize) => {
    expect(readAll(stream, chunkSize)).toEqual(bodies);
  });

  it('holds a frame back until its last byte arrives', () => {
    const reader = new FrameReader();
    const whole = framed(body(100, 5));
    expect(reader.push(whole.subarray(0, 2))).toEqual([]);
    expect(reader.push(whole.subarray(2, 99))).toEqual([]);
    expect(reader.push(whole.subarray(99, 103))).toEqual([]);
    expect(reader.push(whole.subarray(103))).toEqual([body(100, 5)]);
  });

  it('copies a frame that arrives in many chunks once, not once per chunk', () => {
    const large = framed(body(1 << 20, 6), body(1 << 20, 7));
    const concat = vi.spyOn(Buffer, 'concat');
    const frames = readAll(large, 64 * 1024);
    const copied = concat.mock.results.reduce((sum, result) => sum + (result.value as Buffer).length, 0);
    // Compared with equals(): a deep equality of megabyte buffers takes seconds.
    expect(frames.map((frame, i) => frame.equals(body(1 << 20, 6 + i)))).toEqual([true, true]);
    expect(copied).toBeLessThanOrEqual(large.length);
  });

  it('hands out a frame within one chunk as a view of it', () => {
    const chunk = framed(body(50, 8), body(20, 9));
    const frames = new FrameReader().push(chunk);
    expect(frames).toEqual([body(50, 8), body(20, 9)]);
    expect(frames.every((frame) => frame.buffer === chunk.buffer)).toBe(true);
  });

  it('refuses a negative size prefix', () => {
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(-4);
    expect(() => new FrameReader().push(prefix)).toThrow(/negative size/);
  });
});
