/**
 * The OAUTHBEARER client's first message (RFC 7628 §3.1): a GS2 header `n,[a=<authzid>],`, then
 * `\x01`-separated key=value pairs, one of which is `auth=Bearer <token>`, ending in `\x01\x01`. The other
 * pairs are SASL extensions (KIP-342).
 */
import { SaslCredentialsError } from '../sasl/mechanism.js';

export interface ClientInitialResponse {
  readonly authorizationId: string;
  readonly token: string;
  readonly extensions: ReadonlyMap<string, string>;
}

const SEPARATOR = '\u0001';
// A saslname: ASCII but ',' and '=', which are escaped as =2C and =3D.
const GS2_HEADER = /^n,(?:a=((?:[^,=\u0080-\uffff]|=2C|=3D)+))?,$/;
const KEY = /^[A-Za-z]+$/;
const VALUE = /^[\u0021-\u007e \t\r\n]+$/;
const AUTH = /^(\w+) +([-_.a-zA-Z0-9]+)$/;

/** Throws SaslCredentialsError (Kafka answers a malformed message with its generic failure) unless well formed. */
export function parseClientInitialResponse(message: Buffer): ClientInitialResponse {
  const text = message.toString('utf8');
  const headerEnd = text.indexOf(SEPARATOR);
  const header = headerEnd < 0 ? undefined : GS2_HEADER.exec(text.slice(0, headerEnd));
  if (!header || !text.endsWith(SEPARATOR + SEPARATOR)) throw malformed();
  const pairs = text.slice(headerEnd + 1, -2);
  const values = new Map<string, string>();
  for (const pair of pairs === '' ? [] : pairs.split(SEPARATOR)) {
    const equals = pair.indexOf('=');
    const key = pair.slice(0, equals);
    const value = pair.slice(equals + 1);
    if (equals < 0 || !KEY.test(key) || !VALUE.test(value)) throw malformed();
    values.set(key, value);
  }
  const auth = AUTH.exec(values.get('auth') ?? '');
  if (!auth) throw malformed();
  if (auth[1]!.toLowerCase() !== 'bearer') throw new SaslCredentialsError('Invalid scheme in OAUTHBEARER client first message');
  values.delete('auth');
  const authorizationId = (header[1] ?? '').replaceAll('=2C', ',').replaceAll('=3D', '=');
  return { authorizationId, token: auth[2]!, extensions: values };
}

function malformed(): SaslCredentialsError {
  return new SaslCredentialsError('Invalid OAUTHBEARER client first message');
}
