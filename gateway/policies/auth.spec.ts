import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { AuthenticationError, createTokenVerifier, type TokenVerifier } from './index';

const ISS = 'https://idp.test/';
const AUD = 'tandem';

let es: { privateKey: KeyLike; publicKey: KeyLike };
let rsa: { privateKey: KeyLike; publicKey: KeyLike };
let other: { privateKey: KeyLike; publicKey: KeyLike };

beforeAll(async () => {
  [es, rsa, other] = await Promise.all([generateKeyPair('ES256'), generateKeyPair('RS256'), generateKeyPair('ES256')]);
});

function sign(key: KeyLike, alg: string, claims: Record<string, unknown> = {}, opts: { iss?: string; aud?: string; exp?: string | number; sub?: string | null; kid?: string } = {}) {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg, kid: opts.kid }).setIssuedAt().setIssuer(opts.iss ?? ISS).setAudience(opts.aud ?? AUD);
  if (opts.sub !== null) jwt = jwt.setSubject(opts.sub ?? 'alice@example.com');
  if (opts.exp !== undefined) jwt = jwt.setExpirationTime(opts.exp);
  else jwt = jwt.setExpirationTime('5m');
  return jwt.sign(key);
}

async function refusal(verifier: TokenVerifier, token: string): Promise<AuthenticationError> {
  const err = await verifier.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AuthenticationError)) throw new Error(`expected an AuthenticationError, got ${String(err)}`);
  expect(err.extensions).toMatchObject({ code: 'UNAUTHENTICATED', http: { status: 401 } });
  return err;
}

/** An unsigned token (`alg: none`), as an attacker would write it. */
function unsecured(claims: Record<string, unknown>): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
}

describe('createTokenVerifier with a PEM public key', () => {
  let verifier: TokenVerifier;
  beforeAll(async () => {
    verifier = createTokenVerifier({ publicKeyPem: await exportSPKI(es.publicKey), issuer: ISS, audience: AUD });
  });

  it('accepts a valid ES256 token and gives its subject and claims', async () => {
    const v = await verifier.verify(await sign(es.privateKey, 'ES256', { roles: ['bi'] }));
    expect(v.subject).toBe('alice@example.com');
    expect(v.claims.roles).toEqual(['bi']);
    expect(v.expiresAt).toBeGreaterThan(Date.now());
  });

  it('refuses alg none, a forged signature, an expired token, a wrong audience or issuer, no subject, and garbage, each saying why', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await refusal(verifier, unsecured({ sub: 'mallory', iss: ISS, aud: AUD, exp: now + 300 }))).message).toBe(
      'Invalid token: algorithm "none" is not accepted (accepted: ES256)',
    );
    expect((await refusal(verifier, await sign(other.privateKey, 'ES256'))).message).toBe('Invalid token: signature verification failed');
    const expired = await refusal(verifier, await sign(es.privateKey, 'ES256', {}, { exp: now - 3600 }));
    expect(expired.message).toMatch(/^Invalid token: expired at \d{4}-\d\d-\d\dT/);
    expect(expired.reason).toBe('expired');
    expect((await refusal(verifier, await sign(es.privateKey, 'ES256', {}, { aud: 'someone-else' }))).message).toBe(
      'Invalid token: audience "someone-else" is not accepted (expected tandem)',
    );
    expect((await refusal(verifier, await sign(es.privateKey, 'ES256', {}, { iss: 'https://evil.test/' }))).message).toBe(
      'Invalid token: issuer "https://evil.test/" is not accepted (expected https://idp.test/)',
    );
    expect((await refusal(verifier, await sign(es.privateKey, 'ES256', {}, { sub: null }))).message).toBe('Invalid token: the "sub" claim is required');
    expect((await refusal(verifier, 'not-a-token')).reason).toBe('malformed');
    expect((await refusal(verifier, 'a.b.c')).message).toBe('Invalid token: its header is not base64url-encoded JSON');
    // a token signed with a symmetric key made from the public key (the classic RS/HS confusion) is refused for its algorithm
    const hs = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuer(ISS).setAudience(AUD).setExpirationTime('5m').sign(new TextEncoder().encode('x'.repeat(32)));
    expect((await refusal(verifier, hs)).reason).toBe('algorithm');
  });

  it('refuses to be built for symmetric or unsigned algorithms', () => {
    expect(() => createTokenVerifier({ jwks: { keys: [] }, issuer: ISS, audience: AUD, algorithms: ['HS256'] })).toThrow(/only asymmetric/);
    expect(() => createTokenVerifier({ jwks: { keys: [] }, issuer: ISS, audience: AUD, algorithms: ['none'] })).toThrow(/only asymmetric/);
  });
});

describe('createTokenVerifier with a JWKS URL (loopback identity provider)', () => {
  let server: http.Server;
  let fetched = 0;
  let verifier: TokenVerifier;
  beforeAll(async () => {
    const jwk = { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' };
    server = http.createServer((req, res) => {
      fetched++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    verifier = createTokenVerifier({ jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`, issuer: ISS, audience: [AUD, 'other'] });
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('verifies RS256 tokens with the fetched keys, once per token', async () => {
    const token = await sign(rsa.privateKey, 'RS256', { roles: 'admin' }, { kid: 'rsa-1' });
    expect((await verifier.verify(token)).claims.roles).toBe('admin');
    const before = fetched;
    await verifier.verify(token);
    expect(fetched).toBe(before);
    expect(fetched).toBeGreaterThanOrEqual(1);
  });

  it('refuses a token whose kid the identity provider does not publish', async () => {
    expect((await refusal(verifier, await sign(other.privateKey, 'ES256', {}, { kid: 'unknown' }))).reason).toBe('unknown-key');
  });
});
