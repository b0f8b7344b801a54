/**
 * Bearer-token authentication: JWTs verified with `jose` against a JWKS URL,
 * a PEM public key or a local JWK set (RS256 / ES256 by default), with issuer,
 * audience, expiry and subject checks. Nothing here knows what the claims
 * mean: the verified claims are handed on (see internal-token.ts).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { AuthenticationError } from './errors';

export interface TokenVerifierOptions {
  /** The identity provider's JWKS endpoint (keys fetched on demand, cached, refreshed on an unknown `kid`). */
  jwksUrl?: string;
  /** A PEM public key (SPKI), RSA or EC. */
  publicKeyPem?: string;
  /** Public keys as a JWK set (e.g. the embedded development key). */
  jwks?: JSONWebKeySet;
  /** Accepted signature algorithms; `none` and HMAC are never accepted. @default ['RS256', 'ES256'] */
  algorithms?: string[];
  /** Accepted `iss` value(s). */
  issuer: string | string[];
  /** Accepted `aud` value(s). */
  audience: string | string[];
  /** Leeway for `exp` / `nbf`. @default 5 */
  clockToleranceSeconds?: number;
  /** Verified tokens remembered (until they expire) so a token is verified once, not on every request. @default 10000 */
  cacheSize?: number;
}

/** A token that verified: its claims, and who it names. */
export interface VerifiedToken {
  claims: JWTPayload & Record<string, unknown>;
  subject: string;
  issuer: string;
  /** `exp` in ms since the epoch. */
  expiresAt: number;
}

export interface TokenVerifier {
  /** Verifies a compact JWT; throws AuthenticationError saying what is wrong with it. */
  verify(token: string): Promise<VerifiedToken>;
}

const ASYMMETRIC = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']);
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;

/** The bearer token of a request's `Authorization` header, '' when the header is absent. */
export function bearerTokenOf(req: IncomingMessage): string {
  const raw = req.headers.authorization;
  if (raw === undefined) return '';
  const m = /^Bearer\s+(\S+)\s*$/i.exec(raw);
  if (!m) throw new AuthenticationError('The Authorization header must be "Bearer <token>"', 'malformed-header');
  return m[1];
}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const algorithms = options.algorithms ?? ['RS256', 'ES256'];
  for (const alg of algorithms) {
    if (!ASYMMETRIC.has(alg)) throw new Error(`token algorithm ${alg} is not accepted: only asymmetric signatures (${[...ASYMMETRIC].join(', ')})`);
  }
  const sources = [options.jwksUrl, options.publicKeyPem, options.jwks].filter(Boolean).length;
  if (sources !== 1) throw new Error('token verification needs exactly one of jwksUrl, publicKeyPem or jwks');
  let key: KeyObject | ReturnType<typeof createLocalJWKSet>;
  let accepted = algorithms;
  if (options.publicKeyPem) {
    const pem = createPublicKey(options.publicKeyPem);
    key = pem;
    const family = pem.asymmetricKeyType === 'rsa' ? /^(RS|PS)/ : pem.asymmetricKeyType === 'ec' ? /^ES/ : /^EdDSA$/;
    accepted = algorithms.filter((a) => family.test(a));
    if (accepted.length === 0) throw new Error(`the public key is ${pem.asymmetricKeyType}, which none of ${algorithms.join(', ')} uses`);
  } else if (options.jwksUrl) {
    key = createRemoteJWKSet(new URL(options.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
  } else {
    key = createLocalJWKSet(options.jwks!);
  }
  const issuers = ([] as string[]).concat(options.issuer);
  const audiences = ([] as string[]).concat(options.audience);
  const tolerance = options.clockToleranceSeconds ?? 5;
  const cacheSize = options.cacheSize ?? 10_000;
  const cache = new Map<string, VerifiedToken>();

  async function verifyUncached(token: string): Promise<VerifiedToken> {
    if (!JWT_SHAPE.test(token)) throw new AuthenticationError('Invalid token: not a JWT (expected three base64url parts: header.payload.signature)', 'malformed');
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new AuthenticationError('Invalid token: its header is not base64url-encoded JSON', 'malformed');
    }
    if (!alg || !accepted.includes(alg)) {
      throw new AuthenticationError(`Invalid token: algorithm "${alg ?? '(none)'}" is not accepted (accepted: ${accepted.join(', ')})`, 'algorithm');
    }
    try {
      const { payload } = await jwtVerify(token, key as Parameters<typeof jwtVerify>[1], {
        algorithms: accepted,
        issuer: issuers,
        audience: audiences,
        clockTolerance: tolerance,
        requiredClaims: ['exp', 'sub'],
      });
      return { claims: payload as VerifiedToken['claims'], subject: payload.sub!, issuer: payload.iss!, expiresAt: payload.exp! * 1000 };
    } catch (err) {
      throw explain(err, issuers, audiences);
    }
  }

  return {
    async verify(token) {
      const hit = cache.get(token);
      if (hit) {
        if (hit.expiresAt + tolerance * 1000 > Date.now()) return hit;
        cache.delete(token);
      }
      const verified = await verifyUncached(token);
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string);
      cache.set(token, verified);
      return verified;
    },
  };
}

function explain(err: unknown, issuers: string[], audiences: string[]): AuthenticationError {
  if (err instanceof AuthenticationError) return err;
  if (err instanceof errors.JWTExpired) {
    const exp = typeof err.payload.exp === 'number' ? new Date(err.payload.exp * 1000).toISOString() : 'an unknown time';
    return new AuthenticationError(`Invalid token: expired at ${exp}`, 'expired');
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return new AuthenticationError(`Invalid token: issuer ${JSON.stringify(err.payload.iss ?? null)} is not accepted (expected ${issuers.join(' or ')})`, 'issuer');
    if (err.claim === 'aud') return new AuthenticationError(`Invalid token: audience ${JSON.stringify(err.payload.aud ?? null)} is not accepted (expected ${audiences.join(' or ')})`, 'audience');
    if (err.claim === 'nbf') return new AuthenticationError('Invalid token: not valid yet (nbf is in the future)', 'not-before');
    if (err.reason === 'missing') return new AuthenticationError(`Invalid token: the "${err.claim}" claim is required`, `missing-${err.claim}`);
    return new AuthenticationError(`Invalid token: the "${err.claim}" claim is invalid (${err.message})`, `claim-${err.claim}`);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return new AuthenticationError('Invalid token: signature verification failed', 'signature');
  if (err instanceof errors.JWKSNoMatchingKey) return new AuthenticationError('Invalid token: no known key matches its "kid"', 'unknown-key');
  if (err instanceof errors.JOSEAlgNotAllowed) return new AuthenticationError('Invalid token: its algorithm is not accepted', 'algorithm');
  if (err instanceof errors.JWKSTimeout || (err instanceof Error && /fetch|ECONNREFUSED|JWKS/i.test(err.message) && !(err instanceof errors.JOSEError && err.code === 'ERR_JWT_INVALID'))) {
    return new AuthenticationError('Token keys could not be fetched from the identity provider; try again', 'jwks-unavailable');
  }
  if (err instanceof errors.JOSEError) return new AuthenticationError(`Invalid token: ${err.message}`, 'invalid');
  return new AuthenticationError('Invalid token', 'invalid');
}
