/**
 * SASL/PLAIN (RFC 4616) as Kafka's PlainSaslServer: one token `authzid NUL authcid NUL password`, checked
 * against the users of the listener's PlainLoginModule; an authorization id, if given, must be the user.
 */
import { timingSafeEqual } from 'node:crypto';
import { type SaslServer, SaslAuthenticationError } from './mechanism.js';

export function plainServer(users: ReadonlyMap<string, string>): SaslServer {
  return {
    async evaluate(token) {
      const parts = token.toString('utf8').split('\u0000');
      if (parts.length !== 3) throw new SaslAuthenticationError('Invalid SASL/PLAIN response: expected 3 tokens');
      const [authorizationId, user, password] = parts as [string, string, string];
      if (user === '') throw new SaslAuthenticationError('Authentication failed: username not specified');
      if (password === '') throw new SaslAuthenticationError('Authentication failed: password not specified');
      const expected = users.get(user);
      if (expected === undefined || !equalSecrets(expected, password)) throw new SaslAuthenticationError('Authentication failed: Invalid username or password');
      if (authorizationId !== '' && authorizationId !== user)
        throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
      return { challenge: Buffer.alloc(0), user };
    },
  };
}

function equalSecrets(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
