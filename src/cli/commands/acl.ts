/**
 * `gregor acl create|delete|list`: ACL bindings through CreateAcls (30), DeleteAcls (31) and DescribeAcls (29)
 * with flags modelled on kafka-acls.sh, so it manages Apache Kafka's ACLs as well as gregor's.
 */
import type { Acl, AclFilter } from '@platformatic/kafka';
import { AclOperation, AclPermissionType, CLUSTER_NAME, PatternType, ResourceType, WILDCARD_HOST } from '../../security/authorizer/acl.js';
import { CliError, EXIT_USAGE } from '../errors.js';
import { withAdmin } from '../kafka-client.js';
import { formatTable } from '../output/table.js';
import { render, type OutputFormat } from '../output/render.js';

/** The resource and principal flags every subcommand takes; create and delete also the permission's. */
export interface AclFlags {
  topic?: string[];
  group?: string[];
  transactionalId?: string[];
  cluster?: boolean;
  resourcePatternType?: string;
  operation?: string[];
  host?: string[];
  allowPrincipal?: string[];
  denyPrincipal?: string[];
  principal?: string[];
}

interface Resource {
  readonly resourceType: ResourceType;
  readonly resourceName: string;
}

interface AclRow {
  resourceType: string;
  resourceName: string;
  patternType: string;
  principal: string;
  host: string;
  operation: string;
  permission: string;
}

export async function create(brokers: string[], flags: AclFlags): Promise<void> {
  const resources = resourcesOf(flags);
  if (resources.length === 0) throw new CliError('name a resource: --topic, --group, --transactional-id or --cluster', undefined, EXIT_USAGE);
  const entries = entriesOf(flags);
  if (entries.length === 0) throw new CliError('name a principal: --allow-principal or --deny-principal', undefined, EXIT_USAGE);
  if (!flags.operation?.length) throw new CliError('name an operation: --operation', undefined, EXIT_USAGE);
  const patternType = patternTypeOf(flags.resourcePatternType ?? 'literal', [PatternType.LITERAL, PatternType.PREFIXED]);
  const creations = resources.flatMap((resource) =>
    entries.flatMap(({ principal, permissionType }) =>
      operationsOf(flags.operation).flatMap((operation) =>
        hostsOf(flags.host).map((host) => ({ ...resource, resourcePatternType: patternType, principal, host, operation, permissionType }) as Acl),
      ),
    ),
  );
  await withAdmin(brokers, (admin) => admin.createAcls({ creations }));
}

export async function remove(brokers: string[], flags: AclFlags & { format: OutputFormat }): Promise<void> {
  if (resourcesOf(flags).length === 0)
    throw new CliError('name the resource whose ACLs to delete: --topic, --group, --transactional-id or --cluster', undefined, EXIT_USAGE);
  const filters = filtersOf(flags);
  const deleted = await withAdmin(brokers, (admin) => admin.deleteAcls({ filters }));
  renderRows(flags.format, deleted.map(rowOf));
}

export async function list(brokers: string[], flags: AclFlags & { format: OutputFormat }): Promise<void> {
  const filters = filtersOf(flags);
  const described = await withAdmin(brokers, (admin) => Promise.all(filters.map((filter) => admin.describeAcls({ filter }))));
  const rows = described.flat().flatMap((resource) => resource.acls.map((acl) => rowOf({ ...resource, ...acl })));
  renderRows(flags.format, distinct(rows));
}

function renderRows(format: OutputFormat, rows: AclRow[]): void {
  render(format, rows, (r) =>
    formatTable(
      [
        { header: 'resource-type', value: (row: AclRow) => row.resourceType },
        { header: 'resource-name', value: (row) => row.resourceName },
        { header: 'pattern-type', value: (row) => row.patternType },
        { header: 'principal', value: (row) => row.principal },
        { header: 'host', value: (row) => row.host },
        { header: 'operation', value: (row) => row.operation },
        { header: 'permission', value: (row) => row.permission },
      ],
      r,
    ),
  );
}

function rowOf(acl: Acl): AclRow {
  return {
    resourceType: ResourceType[acl.resourceType] ?? String(acl.resourceType),
    resourceName: acl.resourceName,
    patternType: PatternType[acl.resourcePatternType] ?? String(acl.resourcePatternType),
    principal: acl.principal,
    host: acl.host,
    operation: AclOperation[acl.operation] ?? String(acl.operation),
    permission: AclPermissionType[acl.permissionType] ?? String(acl.permissionType),
  };
}

/** A binding several list filters select (one per resource) is shown once. */
function distinct(rows: AclRow[]): AclRow[] {
  return [...new Map(rows.map((row) => [JSON.stringify(row), row])).values()];
}

/** One filter per resource × principal (all of either when none is named), as kafka-acls.sh builds them. */
function filtersOf(flags: AclFlags): AclFilter[] {
  const resources: { resourceType: ResourceType; resourceName: string | null }[] = resourcesOf(flags);
  const named = resources.length > 0;
  if (!named) resources.push({ resourceType: ResourceType.ANY, resourceName: null });
  const patternType = patternTypeOf(flags.resourcePatternType ?? (named ? 'literal' : 'any'), [
    PatternType.LITERAL,
    PatternType.PREFIXED,
    PatternType.MATCH,
    PatternType.ANY,
  ]);
  const entries: { principal: string | null; permissionType: AclPermissionType }[] = [
    ...entriesOf(flags),
    ...(flags.principal ?? []).map((principal) => ({ principal: principalOf(principal), permissionType: AclPermissionType.ANY })),
  ];
  if (entries.length === 0) entries.push({ principal: null, permissionType: AclPermissionType.ANY });
  const operations = flags.operation?.length ? operationsOf(flags.operation) : [AclOperation.ANY];
  const hosts: (string | null)[] = flags.host?.length ? flags.host : [null];
  return resources.flatMap((resource) =>
    entries.flatMap(({ principal, permissionType }) =>
      operations.flatMap((operation) =>
        hosts.map((host) => ({ ...resource, resourcePatternType: patternType, principal, host, operation, permissionType }) as AclFilter),
      ),
    ),
  );
}

function resourcesOf(flags: AclFlags): Resource[] {
  const named = (type: ResourceType, names: string[] | undefined) => (names ?? []).map((resourceName) => ({ resourceType: type, resourceName }));
  return [
    ...named(ResourceType.TOPIC, flags.topic),
    ...named(ResourceType.GROUP, flags.group),
    ...named(ResourceType.TRANSACTIONAL_ID, flags.transactionalId),
    ...(flags.cluster ? [{ resourceType: ResourceType.CLUSTER, resourceName: CLUSTER_NAME }] : []),
  ];
}

function entriesOf(flags: AclFlags): { principal: string; permissionType: AclPermissionType }[] {
  return [
    ...(flags.allowPrincipal ?? []).map((p) => ({ principal: principalOf(p), permissionType: AclPermissionType.ALLOW })),
    ...(flags.denyPrincipal ?? []).map((p) => ({ principal: principalOf(p), permissionType: AclPermissionType.DENY })),
  ];
}

function principalOf(principal: string): string {
  if (!principal.includes(':'))
    throw new CliError(`principal ${JSON.stringify(principal)} has no type`, 'write it as Type:name, e.g. User:alice (User:* for everyone)', EXIT_USAGE);
  return principal;
}

function hostsOf(hosts: string[] | undefined): string[] {
  return hosts?.length ? hosts : [WILDCARD_HOST];
}

/** Kafka's spellings and ours: Read, DescribeConfigs, describe-configs and DESCRIBE_CONFIGS are one operation. */
function operationsOf(names: string[] | undefined): AclOperation[] {
  return (names ?? []).map((name) => codeNamed<AclOperation>(AclOperation, name, 'operation', [AclOperation.UNKNOWN, AclOperation.ANY]));
}

function patternTypeOf(name: string, allowed: PatternType[]): PatternType {
  const code = codeNamed<PatternType>(PatternType, name, 'resource pattern type', [PatternType.UNKNOWN]);
  if (!allowed.includes(code))
    throw new CliError(`resource pattern type ${name} is not allowed here`, `use ${allowed.map((t) => PatternType[t].toLowerCase()).join(', ')}`, EXIT_USAGE);
  return code;
}

function codeNamed<E extends number>(values: Record<string, string | number>, name: string, what: string, excluded: number[]): E {
  const squash = (s: string) => s.replace(/[^a-z]/gi, '').toUpperCase();
  const choices = Object.entries(values).filter((entry): entry is [string, number] => typeof entry[1] === 'number' && !excluded.includes(entry[1]));
  const found = choices.find(([key]) => squash(key) === squash(name));
  if (!found) throw new CliError(`unknown ${what} ${name}`, `use one of ${choices.map(([key]) => key).join(', ')}`, EXIT_USAGE);
  return found[1] as E;
}
