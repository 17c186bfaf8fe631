/**
 * The two brokers the ACL matrix compares, configured alike: one SASL_PLAINTEXT listener with PLAIN users
 * `admin` and `alice`, Kafka's StandardAuthorizer, `super.users=User:admin`, and no access where no ACL
 * matches. Kafka 4.4 runs in KRaft combined mode, its controller listener on SASL PLAIN as the admin too.
 */
import { KafkaTarget } from '../targets/kafka.js';
import { MATRIX_USERS } from './matrix.js';

const JAAS = `org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${MATRIX_USERS.admin}" ${Object.entries(MATRIX_USERS)
  .map(([user, password]) => `user_${user}="${password}"`)
  .join(' ')};`;

const AUTHORIZATION = {
  'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
  'super.users': 'User:admin',
  'allow.everyone.if.no.acl.found': 'false',
};

/** gregor's settings (its listener on an ephemeral loopback port). */
export const GREGOR_MATRIX_SETTINGS: Record<string, string | number> = {
  listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
  'security.inter.broker.protocol': 'SASL_PLAINTEXT',
  'sasl.enabled.mechanisms': 'PLAIN',
  'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
  'group.initial.rebalance.delay.ms': 0,
  ...AUTHORIZATION,
};

/** Apache Kafka with the same settings, as a benchmark target. */
export const kafkaForMatrix = (): KafkaTarget =>
  new KafkaTarget(({ port, controller }) => ({
    listeners: `SASL_PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
    'advertised.listeners': `SASL_PLAINTEXT://127.0.0.1:${port}`,
    'listener.security.protocol.map': 'SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT',
    'inter.broker.listener.name': 'SASL_PLAINTEXT',
    'sasl.enabled.mechanisms': 'PLAIN',
    'sasl.mechanism.inter.broker.protocol': 'PLAIN',
    'sasl.mechanism.controller.protocol': 'PLAIN',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
    'listener.name.controller.plain.sasl.jaas.config': JAAS,
    ...AUTHORIZATION,
  }));
