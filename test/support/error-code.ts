/** The Kafka error code a synchronous action throws (as a KafkaError), or undefined when it does not throw. */
import { type ErrorCode, KafkaError } from '../../src/protocol/error-codes.js';

export function errorCodeOf(action: () => unknown): ErrorCode | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    if (error instanceof KafkaError) return error.code;
    throw error;
  }
}
