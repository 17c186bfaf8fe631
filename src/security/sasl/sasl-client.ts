/**
 * The client side of the SASL mechanisms a broker logs in to another broker with (PLAIN and SCRAM-SHA-256/512,
 * as `sasl.mechanism.inter.broker.protocol` names them): each answers the server's last challenge with its
 * next token, until the exchange is complete.
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import { ScramClient } from '../scram/scram-client.js';
import { scramMechanismNamed } from '../scram/scram-mechanism.js';
import { SaslAuthenticationError } from './mechanism.js';

export interface SaslClient {
  readonly mechanism: string;
  /** The token answering `challenge` (undefined before the first), or undefined once the exchange is complete. */
  respond(challenge: Buffer | undefined): Promise<Buffer | undefined>;
}

export interface SaslLogin {
  readonly username: string;
  readonly password: string;
}

/** What makes a fresh client for each exchange; INVALID_CONFIG for a mechanism gregor cannot log in with. */
export function saslClients(mechanism: string, login: SaslLogin): () => SaslClient {
  if (mechanism === 'PLAIN') return () => plainClient(login);
  const scram = scramMechanismNamed(mechanism);
  if (scram) return () => scramClient(new ScramClient(scram, login.username, login.password));
  throw new KafkaError(
    ErrorCode.INVALID_CONFIG,
    `brokers cannot log in to each other with SASL mechanism ${mechanism} (PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 can)`,
  );
}

/** RFC 4616: one token, no authorization id. */
function plainClient({ username, password }: SaslLogin): SaslClient {
  let sent = false;
  return {
    mechanism: 'PLAIN',
    async respond() {
      if (sent) return undefined;
      sent = true;
      return Buffer.from(`\u0000${username}\u0000${password}`, 'utf8');
    },
  };
}

function scramClient(client: ScramClient): SaslClient {
  let step = 0;
  return {
    mechanism: client.mechanism.name,
    async respond(challenge) {
      step++;
      if (step === 1) return client.firstMessage();
      if (step === 2) return client.finalMessage(challenge ?? Buffer.alloc(0));
      if (!client.verifiesServer(challenge ?? Buffer.alloc(0))) throw new SaslAuthenticationError('the server did not prove it knows the SCRAM credential');
      return undefined;
    },
  };
}
