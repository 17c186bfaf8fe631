#!/usr/bin/env -S node --initial-old-space-size=64
/**
 * The `gregor` executable: runs the command tree and turns any failure into a message and an exit code
 * (GREGOR_CLI_DEBUG=1 also prints the underlying error with its stack and causes).
 *
 * Node flags (the line above, and `npm start`'s, which the benchmark harness also starts `gregor serve`
 * with): the broker's live heap is small (~16 MiB), so V8's old-generation limit stays near 32 MiB and
 * its headroom below the young generation's 16 MiB, and V8 then starts a full mark-compact about twice a
 * second under load. A 64 MiB initial old generation halves them (measured at 20,000 records/s end to
 * end: 8–16 mark-compacts per 12 s run instead of 14–26, and half the time in them).
 */
import { CommanderError, type Command } from 'commander';
import { EXIT_USAGE, explainError, type ErrorContext } from './errors.js';
import { brokersOf, buildProgram } from './program.js';

let context: ErrorContext = {};
const program = buildProgram().hook('preAction', (_root, action: Command) => {
  const noun = action.parent?.name();
  const first = action.args[0];
  context = {
    topic: noun === 'topic' || action.name() === 'produce' || action.name() === 'consume' ? first : undefined,
    group: noun === 'group' ? first : action.opts<{ group?: string }>().group,
    brokers: action.name() === 'serve' ? undefined : safeBrokers(action),
  };
});

function safeBrokers(action: Command): string[] | undefined {
  try {
    return brokersOf(action);
  } catch {
    // A malformed list: the action reports it itself when it resolves the brokers.
    return undefined;
  }
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has printed the message (or the help) already.
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
  } else {
    const explained = explainError(error, context);
    if (process.env.GREGOR_CLI_DEBUG) console.error(error);
    process.stderr.write(`gregor: error: ${explained.message}\n`);
    if (explained.hint) process.stderr.write(`gregor: hint: ${explained.hint}\n`);
    process.exitCode = explained.exitCode;
  }
}
// The work is done: do not wait for a client library's lingering timers or sockets. Writes to stdout and
// stderr are synchronous for files, pipes and terminals on Linux, so nothing printed is lost.
process.exit();
