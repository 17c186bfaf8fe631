/** Which brokers the client commands talk to: `--brokers`, then GREGOR_BROKERS, then 127.0.0.1:9092. */

const DEFAULT_BROKERS = '127.0.0.1:9092';

export function resolveBrokers(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  const list = flag ?? env.GREGOR_BROKERS ?? DEFAULT_BROKERS;
  const brokers = list
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
  for (const broker of brokers) {
    if (!/^(\[[^\]]+\]|[^:]+):\d{1,5}$/.test(broker)) throw new RangeError(`broker address must be host:port, got ${JSON.stringify(broker)}`);
  }
  if (brokers.length === 0) throw new RangeError('no broker address given');
  return brokers;
}
