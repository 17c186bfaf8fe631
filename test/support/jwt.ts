/** JWTs for OAUTHBEARER tests: unsigned ones (Kafka's unsecured development tokens) and a loopback JWKS endpoint with a key the test made. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

export function unsecuredJwt(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'none' }): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(claims)}.`;
}

/** The client's first OAUTHBEARER message (RFC 7628) for a token. */
export function oauthBearerMessage(token: string, authorizationId = ''): Buffer {
  return Buffer.from(`n,${authorizationId === '' ? '' : `a=${authorizationId}`},\u0001auth=Bearer ${token}\u0001\u0001`);
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export interface JwksEndpoint {
  readonly url: string;
  /** Signs with the published key (kid `test-key`), or with `other` (a key nobody published) under the same kid. */
  sign(claims: JWTPayload, options?: { readonly key?: 'published' | 'other' }): Promise<string>;
  close(): Promise<void>;
}

export async function startJwksEndpoint(): Promise<JwksEndpoint> {
  const published = await generateKeyPair('RS256');
  const other = await generateKeyPair('RS256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(published.publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' }] });
  const server: Server = createServer((request, response) => {
    if (request.url !== '/jwks') return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks`,
    sign: (claims, options) => sign(claims, options?.key === 'other' ? other.privateKey : published.privateKey),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function sign(claims: JWTPayload, key: CryptoKey): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).sign(key);
}
