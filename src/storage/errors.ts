/**
 * The one place where errors of the native storage engine become `KafkaError`s. The engine throws JS
 * errors whose `code` is `GREGOR_<KAFKA_ERROR_NAME>` and whose message is the detail: the name is looked
 * up in `ErrorCode`; anything else (a bug, an argument error with napi's `InvalidArg` code) is rethrown
 * unchanged.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';

const ENGINE_CODE_PREFIX = 'GREGOR_';

/** The Kafka error carried by a native engine error, or undefined when it is not one. */
export function engineErrorCode(error: unknown): { code: ErrorCode; detail: string } | undefined {
  if (!(error instanceof Error)) return undefined;
  const name = (error as { code?: unknown }).code;
  if (typeof name !== 'string' || !name.startsWith(ENGINE_CODE_PREFIX)) return undefined;
  const code = (ErrorCode as unknown as Record<string, ErrorCode | undefined>)[name.slice(ENGINE_CODE_PREFIX.length)];
  return code === undefined ? undefined : { code, detail: error.message };
}

/** Converts a native engine error to `KafkaError` (other errors pass through unchanged). */
export function toKafkaError(error: unknown): unknown {
  const engine = engineErrorCode(error);
  return engine ? new KafkaError(engine.code, engine.detail) : error;
}
