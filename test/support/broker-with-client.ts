/**
 * The fixture of wire-level test files: one in-process broker and one raw client connected to it, shared
 * by the file's tests, started before them and closed after them.
 */
import { afterAll, beforeAll } from 'vitest';
import type { BrokerSettings } from '../../src/config/broker-config.js';
import { startBroker, type TestBroker } from './broker.js';
import { RawClient } from '../../bench/lib/raw-client.js';

export interface BrokerWithClient {
  /** Set once the file's `beforeAll` has run. */
  readonly broker: TestBroker;
  readonly client: RawClient;
}

export function useBrokerWithClient(settings: BrokerSettings = {}): BrokerWithClient {
  const fixture = {} as { broker: TestBroker; client: RawClient };
  beforeAll(async () => {
    fixture.broker = await startBroker(settings);
    fixture.client = await RawClient.connect(fixture.broker.bootstrap);
  });
  afterAll(async () => {
    fixture.client?.close();
    await fixture.broker?.close();
  });
  return fixture;
}
