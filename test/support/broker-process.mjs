// A broker in its own process for restart tests: the built broker (dist/), settings as JSON in argv[2].
// Prints "LISTENING <port>" once ready; SIGTERM and SIGINT close it gracefully, then it exits with 0.
import { pino } from 'pino';
import { Broker } from '../../dist/src/broker/broker.js';

const broker = await Broker.start({
  config: JSON.parse(process.argv[2] ?? '{}'),
  logger: pino({ level: process.env.GREGOR_TEST_LOG_LEVEL ?? 'silent' }),
});
process.stdout.write(`LISTENING ${broker.port}\n`);
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    broker.close().then(
      () => process.exit(0),
      (error) => {
        process.stderr.write(`${error?.stack ?? error}\n`);
        process.exit(1);
      },
    );
  });
}
