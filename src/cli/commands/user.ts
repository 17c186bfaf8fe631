/**
 * `gregor user create|delete|list`: SCRAM users through AlterUserScramCredentials (51) and
 * DescribeUserScramCredentials (50), so it manages Apache Kafka's users as well as gregor's. The password
 * is salted and hashed here (as Kafka's admin client does); only the salted password crosses the wire.
 */
import { text } from 'node:stream/consumers';
import { ApiKey } from '../../protocol/api-keys.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { AlterUserScramCredentialsResponse, DescribeUserScramCredentialsResponse } from '../../protocol/messages.js';
import {
  SCRAM_MECHANISMS,
  type ScramMechanism,
  randomSalt,
  saltedPassword,
  scramMechanismNamed,
  scramMechanismOfType,
} from '../../security/scram/scram-mechanism.js';
import { adminRequest } from '../admin-socket.js';
import { CliError, EXIT_USAGE } from '../errors.js';
import { formatTable } from '../output/table.js';
import { render, type OutputFormat } from '../output/render.js';

export async function create(
  brokers: string[],
  user: string,
  options: { password?: string; passwordStdin?: boolean; mechanism?: string[]; iterations: number },
): Promise<void> {
  if ((options.password === undefined) === !options.passwordStdin)
    throw new CliError('give the password with exactly one of --password or --password-stdin', undefined, EXIT_USAGE);
  const password = options.password ?? (await text(process.stdin)).replace(/\r?\n$/, '');
  if (password === '') throw new CliError('the password is empty', undefined, EXIT_USAGE);
  const upsertions = await Promise.all(
    mechanismsOf(options.mechanism).map(async (mechanism) => {
      const salt = randomSalt(mechanism);
      return {
        name: user,
        mechanism: mechanism.type,
        iterations: options.iterations,
        salt,
        saltedPassword: await saltedPassword(mechanism, password, salt, options.iterations),
      };
    }),
  );
  // One request per mechanism: Kafka refuses a user altered twice in the same request.
  for (const upsertion of upsertions) await alter(brokers, [], [upsertion]);
}

export async function remove(brokers: string[], user: string, options: { mechanism?: string[] }): Promise<void> {
  const mechanisms = options.mechanism ? mechanismsOf(options.mechanism) : (await describe(brokers, [user]))[0]!.mechanisms;
  for (const mechanism of mechanisms) await alter(brokers, [{ name: user, mechanism: mechanism.type }], []);
}

export async function list(brokers: string[], users: string[], options: { format: OutputFormat }): Promise<void> {
  const rows = (await describe(brokers, users)).flatMap((u) => u.credentials.map((c) => ({ user: u.user, mechanism: c.mechanism, iterations: c.iterations })));
  render(options.format, rows, (r) =>
    formatTable(
      [
        { header: 'user', value: (row: (typeof rows)[number]) => row.user },
        { header: 'mechanism', value: (row) => row.mechanism },
        { header: 'iterations', value: (row) => row.iterations, numeric: true },
      ],
      r,
    ),
  );
}

interface DescribedUser {
  readonly user: string;
  readonly mechanisms: ScramMechanism[];
  readonly credentials: { mechanism: string; iterations: number }[];
}

async function describe(brokers: string[], users: string[]): Promise<DescribedUser[]> {
  const response = await adminRequest<DescribeUserScramCredentialsResponse>(brokers, ApiKey.DescribeUserScramCredentials, 0, {
    users: users.length === 0 ? null : users.map((name) => ({ name })),
  });
  check(response.errorCode, response.errorMessage);
  return response.results.map((result) => {
    check(result.errorCode, result.errorMessage);
    const known = result.credentialInfos.flatMap((info) => {
      const mechanism = scramMechanismOfType(info.mechanism);
      return mechanism ? [{ mechanism, iterations: info.iterations }] : [];
    });
    return {
      user: result.user,
      mechanisms: known.map((k) => k.mechanism),
      credentials: known.map((k) => ({ mechanism: k.mechanism.name, iterations: k.iterations })),
    };
  });
}

async function alter(brokers: string[], deletions: unknown[], upsertions: unknown[]): Promise<void> {
  const response = await adminRequest<AlterUserScramCredentialsResponse>(brokers, ApiKey.AlterUserScramCredentials, 0, { deletions, upsertions });
  for (const result of response.results) check(result.errorCode, result.errorMessage);
}

function check(errorCode: number, errorMessage: string | null): void {
  if (errorCode !== ErrorCode.NONE) throw new KafkaError(errorCode, errorMessage ?? undefined);
}

function mechanismsOf(names: readonly string[] | undefined): ScramMechanism[] {
  if (!names) return [...SCRAM_MECHANISMS];
  return names.map((name) => {
    const mechanism = scramMechanismNamed(name.toUpperCase());
    if (!mechanism) throw new CliError(`unknown SCRAM mechanism ${name}`, `use ${SCRAM_MECHANISMS.map((m) => m.name).join(' or ')}`, EXIT_USAGE);
    return mechanism;
  });
}
