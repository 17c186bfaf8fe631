// The token bucket of controller_mutation_rate, against the figures of Kafka's StrictControllerMutationQuotaTest
// (a quota of 10 a second over ten 1 s windows): a full bucket of 100 at first, recordings may take it below
// zero, the throttle time is the refill time back to zero, and the refill stops at the burst.
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/security/quota/token-bucket.js';

const BOUND = 10;

describe('TokenBucket', () => {
  it('starts full, goes below zero, and throttles for the time the refill takes back to zero', () => {
    const bucket = new TokenBucket({ samples: 10, windowMs: 1000 });
    expect(bucket.tokens(BOUND, 0)).toBe(100);
    bucket.record(90, 0, BOUND);
    expect(bucket.tokens(BOUND, 0)).toBe(10);
    expect(bucket.throttleTimeMs(BOUND, 0)).toBe(0);
    bucket.record(90, 0, BOUND);
    expect(bucket.tokens(BOUND, 0)).toBe(-80);
    expect(bucket.throttleTimeMs(BOUND, 0)).toBe(8000);
    expect(bucket.throttleTimeMs(BOUND, 5000)).toBe(3000);
    expect(bucket.tokens(BOUND, 8000)).toBe(0);
    expect(bucket.tokens(BOUND, 60_000)).toBe(100);
  });

  it('never refills at a bound of 0: the first recording is accepted, then the whole burst span is the throttle', () => {
    const bucket = new TokenBucket({ samples: 2, windowMs: 1000 });
    expect(bucket.throttleTimeMs(0, 0)).toBe(0);
    bucket.record(1, 0, 0);
    expect(bucket.throttleTimeMs(0, 10_000)).toBe(2000);
  });
});
