/**
 * The one place where errors of the native storage engine become `KafkaError`s. The engine throws JS
 * errors whose `code` is `GREGOR_<KAFKA_ERROR_NAME>` and whose message is the detail: the name is looked
 * up in `ErrorCode`. Two storage errors have codes of their own because they are not a failed disk:
 * `GREGOR_DISK_FULL` (ENOSPC, EDQUOT) and `GREGOR_TOO_MANY_OPEN_FILES` (EMFILE, ENFILE); both become a
 * `StorageError` (KAFKA_STORAGE_ERROR on the wire) carrying its `StorageFault`. Anything else (a bug, an
 * argument error with napi's `InvalidArg` code) is rethrown unchanged.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';

const ENGINE_CODE_PREFIX = 'GREGOR_';

/** Why a storage operation failed: only a failed disk takes its log dir offline. */
export enum StorageFault {
  FAILED_DISK = 'failed disk',
  DISK_FULL = 'disk full',
  TOO_MANY_OPEN_FILES = 'too many open files',
}

/** KAFKA_STORAGE_ERROR with what caused it. */
export class StorageError extends KafkaError {
  readonly fault: StorageFault;

  constructor(fault: StorageFault, message: string) {
    super(ErrorCode.KAFKA_STORAGE_ERROR, message);
    this.name = 'StorageError';
    this.fault = fault;
  }
}

const RESOURCE_FAULTS: Readonly<Record<string, StorageFault>> = {
  DISK_FULL: StorageFault.DISK_FULL,
  TOO_MANY_OPEN_FILES: StorageFault.TOO_MANY_OPEN_FILES,
};

/** The Kafka error carried by a native engine error, or undefined when it is not one. */
export function engineErrorCode(error: unknown): { code: ErrorCode; detail: string; fault?: StorageFault } | undefined {
  if (!(error instanceof Error)) return undefined;
  const name = (error as { code?: unknown }).code;
  if (typeof name !== 'string' || !name.startsWith(ENGINE_CODE_PREFIX)) return undefined;
  const suffix = name.slice(ENGINE_CODE_PREFIX.length);
  const resource = RESOURCE_FAULTS[suffix];
  if (resource !== undefined) return { code: ErrorCode.KAFKA_STORAGE_ERROR, detail: error.message, fault: resource };
  const code = (ErrorCode as unknown as Record<string, ErrorCode | undefined>)[suffix];
  if (code === undefined) return undefined;
  return code === ErrorCode.KAFKA_STORAGE_ERROR ? { code, detail: error.message, fault: StorageFault.FAILED_DISK } : { code, detail: error.message };
}

/** Node's errnos for running out of a resource, which the engine classifies the same way. */
const NODE_RESOURCE_FAULTS: Readonly<Record<string, StorageFault>> = {
  ENOSPC: StorageFault.DISK_FULL,
  EDQUOT: StorageFault.DISK_FULL,
  EMFILE: StorageFault.TOO_MANY_OPEN_FILES,
  ENFILE: StorageFault.TOO_MANY_OPEN_FILES,
};

/**
 * Converts a native engine error to `KafkaError` (a `StorageError` for storage errors), and a Node file
 * system error for a lack of space or descriptors to a `StorageError`; others pass through unchanged.
 */
export function toKafkaError(error: unknown): unknown {
  const engine = engineErrorCode(error);
  if (engine) return engine.fault === undefined ? new KafkaError(engine.code, engine.detail) : new StorageError(engine.fault, engine.detail);
  const errno = (error as { code?: unknown } | null)?.code;
  const fault = typeof errno === 'string' ? NODE_RESOURCE_FAULTS[errno] : undefined;
  return fault === undefined ? error : new StorageError(fault, (error as Error).message);
}

/** The fault of a storage error: a KAFKA_STORAGE_ERROR that says nothing more counts as a failed disk. */
export function storageFaultOf(error: unknown): StorageFault | undefined {
  if (error instanceof StorageError) return error.fault;
  return error instanceof KafkaError && error.code === ErrorCode.KAFKA_STORAGE_ERROR ? StorageFault.FAILED_DISK : undefined;
}
