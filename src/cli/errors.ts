/**
 * Turns failures into what an operator can act on: the Kafka error name the broker answered (found inside
 * the client library's nested errors), what to do about it, and the exit code. Usage errors exit 2, every
 * other failure 1.
 */
import { ErrorCode, KafkaError } from '../protocol/error-codes.js';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A failure the CLI itself detects (bad flag values, missing input), with an optional hint. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** What to do about each Kafka error a command can meet; `{topic}` and `{group}` are filled in when known. */
const ADVICE: Partial<Record<keyof typeof ErrorCode, string>> = {
  TOPIC_ALREADY_EXISTS: 'pick another name, or delete the topic first: gregor topic delete {topic}',
  UNKNOWN_TOPIC_OR_PARTITION: 'check the name with `gregor topic list`, or create it: gregor topic create {topic}',
  INVALID_TOPIC_EXCEPTION: "topic names use letters, digits, '.', '_' and '-', up to 249 characters",
  INVALID_PARTITIONS: 'the partition count must be positive and, when adding partitions, above the current count',
  INVALID_REPLICATION_FACTOR: 'a single gregor node holds one replica of each partition: use --replicas 1',
  INVALID_CONFIG: 'check the key and value; `gregor topic describe {topic}` lists the keys a topic takes',
  TOPIC_DELETION_DISABLED: 'the broker runs with delete.topic.enable=false',
  GROUP_ID_NOT_FOUND: 'check the name with `gregor group list`',
  NON_EMPTY_GROUP: 'the group still has members: stop its consumers first',
  MESSAGE_TOO_LARGE: "a record is larger than the topic's max.message.bytes (or the broker's message.max.bytes)",
  RECORD_LIST_TOO_LARGE: "a batch is larger than the topic's max.message.bytes; send fewer records per batch",
  OFFSET_OUT_OF_RANGE: 'the offset is outside the log; `gregor topic describe {topic}` shows each partition’s start and end',
  NOT_ENOUGH_REPLICAS: 'acks=all needs min.insync.replicas replicas; lower it or use --acks 1',
  UNSUPPORTED_VERSION: 'the broker does not support this request version',
  SECURITY_DISABLED: 'the broker has no authorizer configured',
  COORDINATOR_NOT_AVAILABLE: 'the group coordinator is not ready yet; retry in a moment',
  UNKNOWN_MEMBER_ID: 'a group’s offsets can be moved only while it is Empty: stop its consumers first (gregor group describe {group})',
  REBALANCE_IN_PROGRESS: 'the group is rebalancing; retry once it is Stable (gregor group describe {group})',
};

export interface Explained {
  readonly message: string;
  readonly hint?: string;
  readonly exitCode: number;
  /** The Kafka error names found, outermost first. */
  readonly kafkaErrors: readonly string[];
}

export interface ErrorContext {
  readonly topic?: string;
  readonly group?: string;
  readonly brokers?: readonly string[];
}

export function explainError(error: unknown, context: ErrorContext = {}): Explained {
  if (error instanceof CliError) return { message: error.message, hint: error.hint, exitCode: error.exitCode, kafkaErrors: [] };
  const found = kafkaErrorsIn(error);
  const first = found[0];
  if (first) {
    const advice = ADVICE[first.name as keyof typeof ErrorCode];
    // gregor's own messages already start with the name (KafkaError's format); do not say it twice.
    const detail = first.detail?.startsWith(`${first.name}: `) ? first.detail.slice(first.name.length + 2) : first.detail;
    return {
      message: detail ? `${first.name}: ${detail}` : first.name,
      hint: advice && fill(advice, context),
      exitCode: EXIT_FAILURE,
      kafkaErrors: found.map((e) => e.name),
    };
  }
  const network = findNetworkCause(error);
  if (network) {
    const where = context.brokers?.join(',') ?? 'the broker';
    return {
      message: `cannot reach ${where} (${network})`,
      hint: 'is `gregor serve` running there? Point the CLI at it with --brokers host:port or GREGOR_BROKERS',
      exitCode: EXIT_FAILURE,
      kafkaErrors: [],
    };
  }
  return { message: messageChain(error), exitCode: EXIT_FAILURE, kafkaErrors: [] };
}

/** The error's message followed by the distinct messages of the errors it wraps ("X failed: because Y"). */
function messageChain(error: unknown): string {
  const own = error instanceof Error ? error.message : String(error);
  const inner = new Set<string>();
  const collect = (e: unknown, depth: number): void => {
    if (typeof e !== 'object' || e === null || depth > 5) return;
    const record = e as { errors?: unknown; cause?: unknown };
    for (const child of [...(Array.isArray(record.errors) ? record.errors : []), record.cause]) {
      if (child instanceof Error && child.message !== own) inner.add(child.message);
      collect(child, depth + 1);
    }
  };
  collect(error, 0);
  return inner.size === 0 ? own : `${own.replace(/\.$/, '')}: ${[...inner].join('; ')}`;
}

function fill(advice: string, context: ErrorContext): string {
  return advice.replaceAll('{topic}', context.topic ?? '<topic>').replaceAll('{group}', context.group ?? '<group>');
}

interface FoundKafkaError {
  readonly name: string;
  readonly detail?: string;
}

/** Kafka error names inside an error tree: our KafkaError, or the client's protocol errors (`apiId`). */
function kafkaErrorsIn(error: unknown, seen = new Set<unknown>()): FoundKafkaError[] {
  if (typeof error !== 'object' || error === null || seen.has(error)) return [];
  seen.add(error);
  const found: FoundKafkaError[] = [];
  if (error instanceof KafkaError) {
    found.push({ name: ErrorCode[error.code] ?? String(error.code), detail: error.message.replace(/^[A-Z_]+: ?/, '') || undefined });
  }
  const record = error as { apiId?: unknown; serverErrorMessage?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
  if (typeof record.apiId === 'string' && record.apiId !== 'NONE') {
    const detail = typeof record.serverErrorMessage === 'string' && record.serverErrorMessage ? record.serverErrorMessage : record.message;
    found.push({ name: record.apiId, detail: typeof detail === 'string' ? detail : undefined });
  }
  if (Array.isArray(record.errors)) for (const inner of record.errors) found.push(...kafkaErrorsIn(inner, seen));
  found.push(...kafkaErrorsIn(record.cause, seen));
  return found;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN']);

function findNetworkCause(error: unknown, seen = new Set<unknown>()): string | undefined {
  if (typeof error !== 'object' || error === null || seen.has(error)) return undefined;
  seen.add(error);
  const record = error as { code?: unknown; errors?: unknown; cause?: unknown };
  if (typeof record.code === 'string' && NETWORK_CODES.has(record.code)) return record.code;
  if (record.code === 'PLT_KFK_NETWORK' || record.code === 'PLT_KFK_TIMEOUT') {
    return findNetworkCause(record.cause, seen) ?? (error as Error).message;
  }
  for (const inner of Array.isArray(record.errors) ? record.errors : []) {
    const cause = findNetworkCause(inner, seen);
    if (cause) return cause;
  }
  return findNetworkCause(record.cause, seen);
}
