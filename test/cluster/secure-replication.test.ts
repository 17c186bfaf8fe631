// Replication over a SASL_SSL inter-broker listener between three brokers sharing their metadata in etcd:
// followers connect with TLS (the peer's certificate checked against the trust store and the host name) and
// log in with sasl.mechanism.inter.broker.protocol as the JAAS entry's user; with the authorizer on, the
// leader answers their fetches only when that user holds CLUSTER_ACTION on the cluster (super.users or an ACL),
// and a follower refused says so in its log. A follower logs in again before its KIP-368 session ends, so
// its connection is never closed under it.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, ResourcePatternTypes, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { scramMechanismNamed } from '../../src/security/scram/scram-mechanism.js';
import { type TestCertificates, makeCertificates } from '../support/certificates.js';
import { type TestBroker, startBroker, tempDataDir } from '../support/broker.js';
import { etcdBrokerSettings, etcdMissing, useEtcd } from '../support/etcd.js';
import { pollUntil } from '../support/poll.js';
import { upsertion } from '../support/scram-client.js';

const BROKER_PASSWORD = 'inter-broker "secret"';
/** The inter-broker SCRAM session lifetime (connections.max.reauth.ms) in the test that logs in again. */
const SESSION_MS = 4_000;

describe.skipIf(etcdMissing !== undefined)('replication over a SASL_SSL inter-broker listener', () => {
  const etcd = useEtcd();
  let certs: TestCertificates;
  const brokers: TestBroker[] = [];
  /** Each broker's log lines at warn level and above, by node id. */
  const errors = new Map<number, string[]>();

  beforeAll(async () => {
    certs = await makeCertificates();
  }, 60_000);
  afterAll(() => {
    certs?.remove();
  });
  afterEach(async () => {
    for (const broker of brokers.splice(0).reverse()) await broker.close();
    errors.clear();
  });

  function errorLogger(nodeId: number): pino.Logger {
    const lines: string[] = [];
    errors.set(nodeId, lines);
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    return pino({ level: 'warn' }, sink);
  }

  /** `login` is the inter-broker mechanism's settings: its name and the JAAS entry with the broker's user. */
  async function startCluster(login: Record<string, string>, superUsers: string): Promise<void> {
    const clusterName = `secure-replication-${randomUUID()}`;
    for (let nodeId = 1; nodeId <= 3; nodeId++) {
      const settings = etcdBrokerSettings(etcd, clusterName, nodeId, {
        'replica.fetch.backoff.ms': 100,
        listeners: 'PLAINTEXT://127.0.0.1:0,INTERNAL://127.0.0.1:0',
        'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:SASL_SSL',
        'inter.broker.listener.name': 'INTERNAL',
        'listener.name.internal.ssl.keystore.type': 'PEM',
        'listener.name.internal.ssl.keystore.location': certs.serverKeystore,
        'listener.name.internal.ssl.truststore.type': 'PEM',
        'listener.name.internal.ssl.truststore.location': certs.caFile,
        'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        'super.users': superUsers,
        ...login,
      });
      brokers.push(await startBroker(settings, { logger: errorLogger(nodeId) }, tempDataDir()));
    }
    await pollUntil(() => brokers.every((b) => b.broker.metadata.brokers().length === 3), 'every broker to see the three');
  }

  function kafka(): Kafka {
    return new Kafka({ brokers: [brokers[0]!.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
  }

  async function createTopic(topic: string): Promise<void> {
    const admin = kafka().admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3 }] });
    } finally {
      await admin.disconnect();
    }
    await pollUntil(() => brokers.every((b) => b.broker.replicaManager.partition(topic, 0) !== undefined), 'every replica to open');
  }

  async function produce(topic: string, acks: number): Promise<void> {
    const producer = kafka().producer();
    await producer.connect();
    try {
      await producer.send({ topic, acks, messages: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}`, partition: 0 })) });
    } finally {
      await producer.disconnect();
    }
  }

  function logEnds(topic: string): bigint[] {
    return brokers.map((b) => b.broker.replicaManager.partition(topic, 0)!.logEndOffset);
  }

  function leaderOf(topic: string): TestBroker {
    const leader = brokers[0]!.broker.metadata.topic(topic)!.partitions[0]!.leader;
    return brokers.find((b) => b.broker.metadata.nodeId === leader)!;
  }

  it('replicates with SCRAM-SHA-512 logins of a super user, acks=all answered by the full ISR, logging in again as sessions end', async () => {
    const scram = {
      'listener.name.internal.sasl.enabled.mechanisms': 'SCRAM-SHA-512',
      'listener.name.internal.scram-sha-512.connections.max.reauth.ms': String(SESSION_MS),
      // Each long poll ends well within the last 15% of a session, where the follower logs in again.
      'replica.fetch.wait.max.ms': '100',
      'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
      'listener.name.internal.scram-sha-512.sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="${BROKER_PASSWORD.replace(/"/g, '\\"')}";`,
    };
    await startCluster(scram, 'User:broker;User:ANONYMOUS');
    // The brokers' own credential, kept in the shared metadata as Kafka keeps it in its metadata log.
    await brokers[0]!.broker.services.scramCredentials.apply([await upsertion(scramMechanismNamed('SCRAM-SHA-512')!, 'broker', BROKER_PASSWORD)]);
    const topic = `sasl-ssl-${randomUUID()}`;
    await createTopic(topic);
    await produce(topic, -1);
    await pollUntil(() => logEnds(topic).every((end) => end === 10n), 'every replica to have the 10 records');
    const leader = leaderOf(topic).broker.replicaManager.partition(topic, 0)!;
    expect(leader.highWatermark).toBe(10n);
    expect([...leader.role.isr].sort()).toEqual([1, 2, 3]);

    // The logins before the credential existed failed; from here on, no fetcher connection may fail.
    for (const lines of errors.values()) lines.length = 0;
    const since = Date.now();
    await pollUntil(() => Date.now() - since > 2 * SESSION_MS, 'two sessions to pass', { timeoutMs: 2 * SESSION_MS + 5_000 });
    await produce(topic, -1);
    await pollUntil(() => logEnds(topic).every((end) => end === 20n), 'every replica to have the 20 records');
    expect([...errors.values()].flat().filter((line) => line.includes('replica fetch failed'))).toEqual([]);
  }, 120_000);

  it('does not replicate while the broker user lacks CLUSTER_ACTION, logs the refusal, and replicates once an ACL grants it', async () => {
    const plain = {
      'listener.name.internal.sasl.enabled.mechanisms': 'PLAIN',
      'sasl.mechanism.inter.broker.protocol': 'PLAIN',
      'listener.name.internal.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="b-secret" user_broker="b-secret";`,
    };
    await startCluster(plain, 'User:ANONYMOUS');
    const topic = `refused-${randomUUID()}`;
    await createTopic(topic);
    await produce(topic, 1);
    const leader = leaderOf(topic);
    const followers = brokers.filter((b) => b !== leader);
    await pollUntil(
      () => followers.every((b) => errors.get(b.broker.metadata.nodeId)!.some((line) => line.includes('needs CLUSTER_ACTION'))),
      'both followers to log that the leader refuses them',
    );
    expect(leader.broker.replicaManager.partition(topic, 0)!.logEndOffset).toBe(10n);
    for (const follower of followers) expect(follower.broker.replicaManager.partition(topic, 0)!.logEndOffset).toBe(0n);

    const admin = kafka().admin();
    await admin.connect();
    try {
      await admin.createAcls({
        acl: [
          {
            resourceType: AclResourceTypes.CLUSTER,
            resourceName: 'kafka-cluster',
            resourcePatternType: ResourcePatternTypes.LITERAL,
            principal: 'User:broker',
            host: '*',
            operation: AclOperationTypes.CLUSTER_ACTION,
            permissionType: AclPermissionTypes.ALLOW,
          },
        ],
      });
    } finally {
      await admin.disconnect();
    }
    await pollUntil(() => logEnds(topic).every((end) => end === 10n), 'the followers to catch up once granted CLUSTER_ACTION');
  }, 120_000);
});
