/**
 * The `gregor` command tree (noun-verb, as rpk's): options and help live here; each action loads its
 * implementation on demand so `gregor serve` does not pay for the client library and vice versa.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { resolveBrokers } from './brokers.js';
import { OUTPUT_FORMATS } from './output/render.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function integer(name: string, min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name} must be an integer of at least ${min}, got ${JSON.stringify(value)}`);
    return n;
  };
}

function formatOption(): Option {
  return new Option('--format <format>', 'output format').choices(OUTPUT_FORMATS).default('text');
}

/** `--brokers`, taken before the command (`gregor --brokers … topic list`) or after it, as rpk takes flags. */
function brokersOption(): Option {
  return new Option('--brokers <host:port,...>', 'brokers to contact (default: $GREGOR_BROKERS, else 127.0.0.1:9092)');
}

/** The brokers to contact: the command's --brokers, else the root's, else the environment. */
export function brokersOf(command: Command): string[] {
  return resolveBrokers(command.opts<{ brokers?: string }>().brokers ?? command.optsWithGlobals<{ brokers?: string }>().brokers);
}

/** The version in package.json (dist/src/cli/program.js → package.json). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command('gregor')
    .description('An event-streaming broker that speaks the Apache Kafka protocol, and its command line.')
    .version(packageVersion(), '-V, --version')
    .addOption(brokersOption())
    .showHelpAfterError()
    // Subcommands inherit it: failures reach main.ts instead of exiting from inside commander.
    .exitOverride()
    .enablePositionalOptions();

  program
    .command('serve')
    .description('run the broker (stops gracefully on SIGTERM or SIGINT)')
    .option('-c, --config <file>', 'a Kafka server.properties file')
    .option('-o, --override <key=value>', 'set a broker property, over the environment and the file (repeatable)', collect)
    .option('--listen <host:port>', 'shorthand for listeners=PLAINTEXT://host:port')
    .option('--data-dir <dir>', 'shorthand for log.dirs')
    .option('--admin <host:port>', 'shorthand for gregor.admin.listener (/metrics and /health/*)')
    .option('--log-level <level>', 'shorthand for gregor.log.level')
    .addHelpText('after', '\nPrecedence: flags, then GREGOR_* environment variables (GREGOR_LOG_DIRS sets log.dirs), then the file, then defaults.')
    .action(async (options) => (await import('./commands/serve.js')).serve(options));

  const topic = program.command('topic').description('create, list, describe, alter and delete topics');
  topic
    .command('create')
    .description('create topics')
    .argument('<topics...>')
    .option('-p, --partitions <n>', "partitions (default: the broker's num.partitions)", integer('--partitions', 1))
    .option('-r, --replicas <n>', "replication factor (default: the broker's default.replication.factor)", integer('--replicas', 1))
    .option('-c, --config <key=value>', 'a topic config (repeatable)', collect)
    .addOption(formatOption())
    .addOption(brokersOption())
    .action(async (topics: string[], options, command: Command) => (await import('./commands/topic.js')).create(brokersOf(command), topics, options));
  topic
    .command('list')
    .alias('ls')
    .description('list topics')
    .option('-i, --internal', 'include internal topics (__consumer_offsets)')
    .addOption(formatOption())
    .addOption(brokersOption())
    .action(async (options, command: Command) => (await import('./commands/topic.js')).list(brokersOf(command), options));
  topic
    .command('describe')
    .description("show a topic's summary, configs and partitions")
    .argument('<topic>')
    .option('--configs', 'print only the configs table')
    .option('--partitions', 'print only the partitions table')
    .addOption(formatOption())
    .addOption(brokersOption())
    .action(async (name: string, options, command: Command) => (await import('./commands/topic.js')).describe(brokersOf(command), name, options));
  topic
    .command('delete')
    .description('delete topics')
    .argument('<topics...>')
    .addOption(brokersOption())
    .action(async (topics: string[], _options, command: Command) => (await import('./commands/topic.js')).remove(brokersOf(command), topics));
  topic
    .command('alter-config')
    .description("change a topic's configs (IncrementalAlterConfigs)")
    .argument('<topic>')
    .option('-s, --set <key=value>', 'set a config (repeatable)', collect)
    .option('-d, --delete <key>', 'return a config to its default (repeatable)', collect)
    .addOption(brokersOption())
    .action(async (name: string, options, command: Command) => (await import('./commands/topic.js')).alterConfig(brokersOf(command), name, options));
  topic
    .command('add-partitions')
    .description('add partitions to a topic')
    .argument('<topic>')
    .requiredOption('-n, --num <n>', 'partitions to add', integer('--num', 1))
    .addOption(brokersOption())
    .action(async (name: string, options, command: Command) => (await import('./commands/topic.js')).addPartitions(brokersOf(command), name, options));

  program
    .command('produce')
    .description('produce one record per line of stdin (or of a file)')
    .argument('<topic>')
    .option('-f, --file <path>', 'read lines from this file instead of stdin')
    .option('-k, --key-separator <sep>', 'split each line at the first <sep> into key and value')
    .option('-H, --header <key=value>', 'a header on every record (repeatable)', collect)
    .option('-p, --partition <n>', 'produce to this partition (default: by key, else round robin)', integer('--partition', 0))
    .addOption(new Option('-z, --compression <codec>', 'compression').choices(['none', 'gzip', 'snappy', 'lz4', 'zstd']).default('none'))
    .addOption(new Option('--acks <acks>', 'acknowledgements to wait for').choices(['all', '-1', '0', '1']).default('all'))
    .addOption(brokersOption())
    .action(async (name: string, options, command: Command) => (await import('./commands/produce.js')).produce(brokersOf(command), name, options));

  program
    .command('consume')
    .description('consume records and print them')
    .argument('<topics...>')
    .option('-g, --group <group>', 'consume as a member of this group and commit offsets (default: a throwaway group, no commits)')
    .option('-o, --offset <where>', 'start, end, an offset, -N (the last N of each partition) or @<timestamp-ms>')
    .option('-n, --num <count>', 'exit after this many records', integer('--num', 1))
    .option(
      '-f, --format <format>',
      'json (one object per line), text (the value), or a format string: %t topic, %p partition, %o offset, %k key, %s value, %h headers, %T timestamp, %K/%S key/value size',
      'text',
    )
    .addOption(brokersOption())
    .action(async (topics: string[], options, command: Command) => (await import('./commands/consume.js')).consume(brokersOf(command), topics, options));

  const group = program.command('group').description('list, describe, seek and delete consumer groups');
  group
    .command('list')
    .alias('ls')
    .description('list consumer groups')
    .addOption(formatOption())
    .addOption(brokersOption())
    .action(async (options, command: Command) => (await import('./commands/group.js')).list(brokersOf(command), options));
  group
    .command('describe')
    .description("show groups' state, members, assignments and lag per partition")
    .argument('<groups...>')
    .addOption(formatOption())
    .addOption(brokersOption())
    .action(async (groups: string[], options, command: Command) => (await import('./commands/group.js')).describe(brokersOf(command), groups, options));
  group
    .command('delete')
    .description('delete empty groups and their committed offsets')
    .argument('<groups...>')
    .addOption(brokersOption())
    .action(async (groups: string[], _options, command: Command) => (await import('./commands/group.js')).remove(brokersOf(command), groups));
  group
    .command('seek')
    .description("move an empty group's committed offsets")
    .argument('<group>')
    .requiredOption('-t, --topic <topic>', 'the topic whose offsets to move (repeatable)', collect)
    .requiredOption('--to <where>', 'start, end, an offset, or @<timestamp-ms>')
    .addOption(brokersOption())
    .action(async (name: string, options, command: Command) => (await import('./commands/group.js')).seek(brokersOf(command), name, options));

  const user = program.command('user').description('create, list and delete SCRAM users (AlterUserScramCredentials / DescribeUserScramCredentials)');
  const mechanismOption = () => new Option('-m, --mechanism <mechanism>', 'SCRAM-SHA-256 or SCRAM-SHA-512 (repeatable; default: both)').argParser(collect);
  user
    .command('create')
    .description("create a user, or change an existing user's password")
    .argument('<user>')
    .option('--password <password>', 'the password (visible in the process list: prefer --password-stdin)')
    .option('--password-stdin', 'read the password from stdin (one line)')
    .addOption(mechanismOption())
    // 4096: kafka-configs.sh's default (ConfigCommand.DefaultScramIterations).
    .option('-i, --iterations <n>', 'PBKDF2 iterations, 4096 to 16384', integer('--iterations', 1), 4096)
    .addOption(brokersOption())
    .action(async (name: string, options, command: Command) => (await import('./commands/user.js')).create(brokersOf(command), name, options));
  user
    .command('list')
    .alias('ls')
    .description('list users and their SCRAM mechanisms')
    .argument('[users...]', 'only these users')
    .addOption(formatOption())
    .addOption(brokersOption())
    .action(async (names: string[], options, command: Command) => (await import('./commands/user.js')).list(brokersOf(command), names, options));
  user
    .command('delete')
    .description("delete a user's SCRAM credentials")
    .argument('<user>')
    .addOption(new Option('-m, --mechanism <mechanism>', 'delete only this mechanism (repeatable; default: all of the user’s)').argParser(collect))
    .addOption(brokersOption())
    .action(async (name: string, options, command: Command) => (await import('./commands/user.js')).remove(brokersOf(command), name, options));

  const acl = program.command('acl').description('create, list and delete ACLs (CreateAcls / DescribeAcls / DeleteAcls), with kafka-acls.sh flags');
  const aclCommand = (name: string, description: string) =>
    acl
      .command(name)
      .description(description)
      .option('--topic <topic>', 'a topic (repeatable; * for all)', collect)
      .option('--group <group>', 'a consumer group (repeatable; * for all)', collect)
      .option('--transactional-id <id>', 'a transactional id (repeatable; * for all)', collect)
      .option('--cluster', 'the cluster')
      .option(
        '--operation <operation>',
        'Read, Write, Create, Delete, Alter, Describe, ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite, All… (repeatable)',
        collect,
      )
      .option('--host <host>', 'a client address (repeatable; default: every host)', collect)
      .addOption(brokersOption());
  aclCommand('create', 'allow or deny principals operations on resources')
    .option('--allow-principal <principal>', 'Type:name, e.g. User:alice (repeatable)', collect)
    .option('--deny-principal <principal>', 'Type:name, e.g. User:mallory (repeatable)', collect)
    .option('--resource-pattern-type <type>', 'literal or prefixed', 'literal')
    .action(async (options, command: Command) => (await import('./commands/acl.js')).create(brokersOf(command), options));
  aclCommand('list', 'list the ACLs of resources (default: all ACLs)')
    .alias('ls')
    .option('--principal <principal>', 'only the ACLs of this principal (repeatable)', collect)
    .option(
      '--resource-pattern-type <type>',
      'literal, prefixed, match (every pattern that applies to the name) or any (default: literal with a resource, else any)',
    )
    .addOption(formatOption())
    .action(async (options, command: Command) => (await import('./commands/acl.js')).list(brokersOf(command), options));
  aclCommand('delete', 'delete the ACLs of resources; prints the ACLs deleted')
    .option('--allow-principal <principal>', 'only the ALLOW ACLs of this principal (repeatable)', collect)
    .option('--deny-principal <principal>', 'only the DENY ACLs of this principal (repeatable)', collect)
    .option('--principal <principal>', 'only the ACLs of this principal (repeatable)', collect)
    .option('--resource-pattern-type <type>', 'literal, prefixed, match or any', 'literal')
    .addOption(formatOption())
    .action(async (options, command: Command) => (await import('./commands/acl.js')).remove(brokersOf(command), options));

  const cluster = program.command('cluster').description('cluster-wide views');
  cluster
    .command('up')
    .description('start a local cluster on loopback: an etcd (from PATH) and N brokers; Ctrl-C stops them all')
    .option('--brokers <n>', 'how many brokers', integer('--brokers', 1), 3)
    .option('--data-dir <dir>', 'keep the data here (etcd/, broker-N/ and broker-N.log) instead of a temp dir removed on exit')
    .option('--base-port <port>', 'brokers listen on port, port+1...; etcd on the two ports after them (default: free ports)', integer('--base-port', 1))
    .option('--cluster-name <name>', 'gregor.cluster.name, the key prefix in etcd', 'local')
    .action(async (options) => (await import('./commands/cluster-up.js')).up(options));
  cluster
    .command('info')
    .description('cluster id, controller, brokers and the leader of every partition')
    .option('--bootstrap-server <host:port,...>', 'the same as --brokers, as Kafka tools name it')
    .option('-i, --internal', 'include internal topics (__consumer_offsets)')
    .addOption(formatOption())
    .addOption(brokersOption())
    .action(async (options, command: Command) =>
      (await import('./commands/cluster.js')).info(
        options.bootstrapServer === undefined ? brokersOf(command) : resolveBrokers(options.bootstrapServer),
        options,
      ),
    );
  cluster
    .command('config')
    .description("a broker's settings and where each comes from (DescribeConfigs)")
    .option('-b, --broker <id>', 'node id of the broker (default: the lowest)', integer('--broker', 0))
    .addOption(formatOption())
    .addOption(brokersOption())
    .action(async (options, command: Command) => (await import('./commands/cluster.js')).config(brokersOf(command), options));

  program
    .command('bench')
    .description('run the benchmark harness (bench/); arguments after `bench` go to it (gregor bench --help for its options)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .passThroughOptions()
    .argument('[args...]')
    .action(async (args: string[]) => (await import('./commands/bench.js')).bench(args));

  return program;
}
