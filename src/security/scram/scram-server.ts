/**
 * The server side of SASL/SCRAM (RFC 5802) as Kafka's ScramSaslServer runs it: client-first → server-first
 * (the client's nonce plus a random one, the user's salt and iterations), client-final → the proof checked
 * against the stored key in constant time, then server-final with the server signature. The credential is
 * read from the store when the exchange starts, so a changed password applies to the next login.
 *
 * As Kafka, an unknown user, a wrong password, a malformed message or too few iterations all fail with one
 * message that names nothing but the mechanism (no user enumeration); only an authorization id other than
 * the user is told as such. Extensions are accepted and ignored, except `tokenauth=true`: gregor has no
 * delegation tokens, so such a login fails like an unknown token. The one deliberate difference from
 * Kafka 4: the nonce check below, which keeps librdkafka before 2.6.1 able to log in.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { type SaslServer, SaslAuthenticationError, SaslCredentialsError } from '../sasl/mechanism.js';
import type { ScramCredentialStore } from './credential-store.js';
import { type ClientFirstMessage, parseClientFinal, parseClientFirst, serverFinalMessage, serverFirstMessage } from './scram-messages.js';
import { type ScramCredential, type ScramMechanism, digest, hmac, xor } from './scram-mechanism.js';

/** Kafka's server nonce is 130 random bits; these are 192, in base64url (printable, no comma). */
export function randomNonce(): string {
  return randomBytes(24).toString('base64url');
}

export function scramServer(mechanism: ScramMechanism, store: ScramCredentialStore, serverNonce: () => string = randomNonce): SaslServer {
  let first: { readonly client: ClientFirstMessage; readonly server: string; readonly nonce: string; readonly credential: ScramCredential } | undefined;
  return {
    async evaluate(token) {
      if (!first) {
        const client = parseClientFirst(token);
        if (client.extensions.get('tokenauth') === 'true') throw new SaslCredentialsError(`Token Authentication failed: Invalid tokenId : ${client.username}`);
        const credential = store.credential(client.username, mechanism.name);
        if (!credential) throw new SaslCredentialsError('Authentication failed: Invalid user credentials');
        if (client.authorizationId !== '' && client.authorizationId !== client.username) {
          throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
        }
        if (credential.iterations < mechanism.minIterations) {
          throw new SaslCredentialsError(`Iterations ${credential.iterations} is less than the minimum ${mechanism.minIterations} for ${mechanism.name}`);
        }
        const nonce = client.nonce + serverNonce();
        first = { client, server: serverFirstMessage(nonce, credential.salt, credential.iterations), nonce, credential };
        return { challenge: Buffer.from(first.server) };
      }
      const final = parseClientFinal(token);
      // RFC 5802 wants the combined nonce back verbatim, and Kafka 4 checks so; librdkafka before 2.6.1 (Debian's
      // kcat and confluent-kafka among its users) sends the client nonce once more in front of it. gregor accepts
      // that as Kafka 3.8.1–3.9 did: the server's nonce must still end the echo, so a replayed exchange fails.
      if (!final.nonce.endsWith(first.nonce)) throw new SaslCredentialsError('Invalid client nonce in the final client message.');
      const authMessage = `${first.client.bare},${first.server},${final.withoutProof}`;
      const { storedKey, serverKey } = first.credential;
      const clientSignature = hmac(mechanism, storedKey, authMessage);
      if (final.proof.length !== clientSignature.length || !timingSafeEqual(digest(mechanism, xor(clientSignature, final.proof)), storedKey)) {
        throw new SaslCredentialsError('Invalid client credentials');
      }
      return { challenge: Buffer.from(serverFinalMessage(hmac(mechanism, serverKey, authMessage))), user: first.client.username };
    },
  };
}
