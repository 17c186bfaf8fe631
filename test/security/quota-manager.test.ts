// The quota managers on a fake clock over a real (local) metadata store: a client no quota names is not
// metered; each quota meters the sensor of the entity its limit comes from; a changed limit applies to the
// sensor's history at once; request_percentage counts handler time as percent of one thread (Kafka's
// nanosToPercentage); a throttled request's response carries the throttle time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalMetadataStore } from '../../src/cluster/store/local-store.js';
import { WatchedPrefix } from '../../src/cluster/store/watched-prefix.js';
import { ClientQuotas, QUOTAS_PREFIX } from '../../src/security/quota/client-quotas.js';
import { answerWithinQuotas } from '../../src/server/request-throttling.js';

let dir: string;
let store: LocalMetadataStore;
let prefix: WatchedPrefix | undefined;
let now = 0;

async function openQuotas(): Promise<ClientQuotas> {
  return ClientQuotas.open(
    async (onChange) => {
      prefix = await WatchedPrefix.open(store, QUOTAS_PREFIX, onChange);
      return prefix;
    },
    { samples: 11, windowMs: 1000 },
    () => now,
  );
}

async function setQuota(quotas: ClientQuotas, entity: { entityType: string; entityName: string | null }[], key: string, value: number): Promise<void> {
  const [result] = await quotas.alter([{ entity, ops: [{ key, value, remove: false }] }], false);
  expect(result!.errorCode).toBe(0);
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gregor-quota-manager-'));
  store = await LocalMetadataStore.open(join(dir, 'store.json'));
  now = 0;
});

afterEach(async () => {
  await prefix?.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ClientQuotaManager', () => {
  it('meters only clients a quota names, on the sensor of the matching entity', async () => {
    const quotas = await openQuotas();
    expect(quotas.enforcing).toBe(false);
    expect(quotas.produce.record('alice', 'app', 1e9)).toBe(0);
    await setQuota(quotas, [{ entityType: 'user', entityName: 'alice' }], 'producer_byte_rate', 1000);
    expect(quotas.enforcing).toBe(true);
    expect(quotas.produce.record('alice', 'app-1', 6000)).toBe(0);
    // Both of alice's clients share the user's sensor: 12,000 bytes over the 10 s minimum window is 1,200/s.
    expect(quotas.produce.record('alice', 'app-2', 6000)).toBe(2000);
    expect(quotas.produce.record('bob', 'app-1', 1e9)).toBe(0);
    expect([...quotas.sensorStates()].map((s) => [s.quota, s.user, s.clientId])).toEqual([['producer_byte_rate', 'alice', '']]);
  });

  it('applies a changed limit to what the sensor has already measured', async () => {
    const quotas = await openQuotas();
    await setQuota(quotas, [{ entityType: 'client-id', entityName: null }], 'producer_byte_rate', 1000);
    expect(quotas.produce.record('', 'app', 9000)).toBe(0);
    await setQuota(quotas, [{ entityType: 'client-id', entityName: null }], 'producer_byte_rate', 500);
    expect(quotas.produce.record('', 'app', 1)).toBeGreaterThan(0);
  });

  it('counts handler time against request_percentage and sets the response throttle time', async () => {
    const quotas = await openQuotas();
    await setQuota(quotas, [{ entityType: 'user', entityName: 'alice' }], 'request_percentage', 50);
    const usage = { apiKey: 3, request: {}, user: 'alice', clientId: 'app', requestBytes: 100 };
    // 50% of one thread over the 10 s minimum window is 5 s of handler time.
    const within = { throttleTimeMs: 0 };
    expect(
      answerWithinQuotas(
        quotas,
        { ...usage, handlerMs: 4_000 },
        within,
        () => [],
        () => undefined,
      ).throttleTimeMs,
    ).toBe(0);
    expect(within.throttleTimeMs).toBe(0);
    const over = { throttleTimeMs: 0 };
    const answered = answerWithinQuotas(
      quotas,
      { ...usage, handlerMs: 2_000 },
      over,
      () => [],
      () => undefined,
    );
    // 6 s of 5 allowed: (60% − 50%) / 50% × 10 s.
    expect(answered.throttleTimeMs).toBe(2_000);
    expect(over.throttleTimeMs).toBe(2_000);
    // ApiVersions is exempt.
    expect(
      answerWithinQuotas(
        quotas,
        { ...usage, apiKey: 18, handlerMs: 60_000 },
        {},
        () => [],
        () => undefined,
      ).throttleTimeMs,
    ).toBe(0);
  });
});
