/**
 * The Kafka clients the commands use (@platformatic/kafka), created with the CLI's settings: a 3 s connect
 * timeout and a few retries 500 ms apart, enough to ride over a coordinator that is still loading (Kafka
 * answers NOT_COORDINATOR while it creates __consumer_offsets) while a broker that is down is reported
 * within seconds. Each helper closes its client however the work ends.
 */
import { Admin, Consumer, Producer, type ProducerOptions } from '@platformatic/kafka';

export const CLIENT_ID = 'gregor-cli';

function baseOptions(brokers: readonly string[]) {
  return { clientId: CLIENT_ID, bootstrapBrokers: [...brokers], connectTimeout: 3_000, timeout: 30_000, retries: 5, retryDelay: 500 };
}

export async function withAdmin<T>(brokers: readonly string[], work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin(baseOptions(brokers));
  try {
    return await work(admin);
  } finally {
    await admin.close();
  }
}

export function createProducer(
  brokers: readonly string[],
  options: Omit<ProducerOptions<Buffer, Buffer, Buffer, Buffer>, 'clientId' | 'bootstrapBrokers'> = {},
): Producer<Buffer, Buffer, Buffer, Buffer> {
  return new Producer({ ...baseOptions(brokers), ...options });
}

export function createConsumer(brokers: readonly string[], groupId: string): Consumer<Buffer, Buffer, Buffer, Buffer> {
  // read_uncommitted like kcat and kafka-console-consumer: show what the log holds. Fetches of 1 MiB rather
  // than the library's 10 MiB: it decodes a whole response before the first record is seen (measured: the
  // first record 0.4 s instead of 3 s after joining, 100k records of 100 B in 2.3 s instead of 5.8 s).
  return new Consumer({ ...baseOptions(brokers), groupId, isolationLevel: 0, maxWaitTime: 500, maxBytes: 1024 * 1024 });
}
