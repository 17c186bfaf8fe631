/**
 * The SCRAM messages a server reads and writes (RFC 5802 §7), parsed with the grammar Kafka's ScramMessages
 * accepts: gs2 header "n" only (no channel binding), an optional authorization id, ASCII sasl names with
 * =2C/=3D escapes, optional extensions. The texts the signatures cover are kept exactly as received. A message
 * outside the grammar fails the login with Kafka's generic message.
 */
import { SaslCredentialsError } from '../sasl/mechanism.js';

const VALUE = '[\\x01-\\x2B\\x2D-\\x7F]+';
const PRINTABLE = '[\\x21-\\x2B\\x2D-\\x7E]+';
const SASLNAME = '(?:[\\x01-\\x2B\\x2D-\\x3C\\x3E-\\x7F]|=2C|=3D)+';
const BASE64 = '(?:[A-Za-z0-9/+]{4})*(?:[A-Za-z0-9/+]{3}=|[A-Za-z0-9/+]{2}==)?';
const EXTENSIONS = `(?:,[A-Za-z]+=${VALUE})*`;

const CLIENT_FIRST = new RegExp(
  `^n,(?:a=(?<authzid>${SASLNAME}))?,(?<bare>(?:m=${VALUE},)?n=(?<saslname>${SASLNAME}),r=(?<nonce>${PRINTABLE})(?<extensions>${EXTENSIONS}))$`,
);
const CLIENT_FINAL = new RegExp(`^(?<withoutProof>c=(?<channel>${BASE64}),r=(?<nonce>${PRINTABLE})${EXTENSIONS}),p=(?<proof>${BASE64})$`);

export interface ClientFirstMessage {
  /** The authorization id of the gs2 header, '' when absent. */
  readonly authorizationId: string;
  readonly username: string;
  readonly nonce: string;
  readonly extensions: ReadonlyMap<string, string>;
  /** client-first-message-bare, as the client sent it (part of the AuthMessage). */
  readonly bare: string;
}

export interface ClientFinalMessage {
  readonly nonce: string;
  readonly proof: Buffer;
  /** client-final-message-without-proof, as the client sent it (part of the AuthMessage). */
  readonly withoutProof: string;
}

export function parseClientFirst(token: Buffer): ClientFirstMessage {
  const text = token.toString('utf8');
  const groups = CLIENT_FIRST.exec(text)?.groups;
  if (!groups) throw new SaslCredentialsError(`Invalid SCRAM client first message format: ${text}`);
  const extensions = new Map<string, string>();
  for (const pair of groups.extensions!.split(',').slice(1)) {
    const eq = pair.indexOf('=');
    extensions.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return {
    authorizationId: groups.authzid === undefined ? '' : unescapeSaslName(groups.authzid),
    username: unescapeSaslName(groups.saslname!),
    nonce: groups.nonce!,
    extensions,
    bare: groups.bare!,
  };
}

export function parseClientFinal(token: Buffer): ClientFinalMessage {
  const text = token.toString('utf8');
  const groups = CLIENT_FINAL.exec(text)?.groups;
  if (!groups) throw new SaslCredentialsError(`Invalid SCRAM client final message format: ${text}`);
  return { nonce: groups.nonce!, proof: Buffer.from(groups.proof!, 'base64'), withoutProof: groups.withoutProof! };
}

export function serverFirstMessage(nonce: string, salt: Buffer, iterations: number): string {
  return `r=${nonce},s=${salt.toString('base64')},i=${iterations}`;
}

export function serverFinalMessage(serverSignature: Buffer): string {
  return `v=${serverSignature.toString('base64')}`;
}

/** RFC 5802 §5.1: "=2C" is ",", "=3D" is "=" (the grammar above admits no other "="). */
function unescapeSaslName(saslName: string): string {
  return saslName.replace(/=2C|=3D/g, (escaped) => (escaped === '=2C' ? ',' : '='));
}
