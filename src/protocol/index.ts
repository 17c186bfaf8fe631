/** The protocol layer's public face: the codec, its types, API keys and error codes. */
export { ApiKey } from './api-keys.js';
export {
  decodeRequest,
  decodeRequestHeader,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  isFlexible,
  type RequestHeader,
  validVersions,
} from './codec.js';
export { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from './consumer-protocol.js';
export * from './error-codes.js';
export type * from './messages.js';
export { ProtocolError } from './protocol-error.js';
