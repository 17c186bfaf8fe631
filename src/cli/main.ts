#!/usr/bin/env node
/**
 * The `gregor` executable: runs the command tree and turns any failure into a message and an exit code
 * (GREGOR_CLI_DEBUG=1 also prints the underlying error with its stack and causes).
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
