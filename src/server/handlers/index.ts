/**
 * The handler registry: every API key gregor serves. ApiVersions advertises exactly these ranges, so an API
 * is listed here only once it is implemented.
 */
import type { Handler } from '../handler.js';

export const handlers: readonly Handler[] = [
  // Broker APIs (produce, fetch, metadata, offsets, topic admin).

  // Consumer-group APIs (src/group): append their handlers here.
];

/** The handler of each API key, for the dispatcher. */
export const handlersByKey: ReadonlyMap<number, Handler> = new Map(handlers.map((h) => [h.apiKey, h]));
