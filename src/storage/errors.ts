/**
 * The one place where errors of the native storage engine become `KafkaError`s. The engine throws JS
 * errors whose message starts with `GREGOR_<KAFKA_ERROR_NAME>|` (or whose `code` is that name): the
 * name is looked up in `ErrorCode`; anything else (a bug, an argument error) is rethrown unchanged.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';

const ENGINE_ERROR = /^GREGOR_([A-Z_]+)\|(?:[A-Z_]+: )?(.*)$/s;

/** The Kafka error carried by a native engine error, or undefined when it is not one. */
export function engineErrorCode(error: unknown): { code: ErrorCode; detail: string } | undefined {
  if (!(error instanceof Error)) return undefined;
  const match = ENGINE_ERROR.exec(error.message);
  const errorCode = (error as { code?: unknown }).code;
  const name = match?.[1] ?? (typeof errorCode === 'string' && errorCode.startsWith('GREGOR_') ? errorCode.slice(7) : undefined);
  if (name === undefined) return undefined;
  const code = (ErrorCode as unknown as Record<string, ErrorCode | undefined>)[name];
  return code === undefined ? undefined : { code, detail: match?.[2] ?? error.message };
}

/** Converts a native engine error to `KafkaError` (other errors pass through unchanged). */
export function toKafkaError(error: unknown): unknown {
  const engine = engineErrorCode(error);
  return engine ? new KafkaError(engine.code, engine.detail) : error;
}
