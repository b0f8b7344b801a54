/**
 * The gateway's signature on what it forwards. For every request it passes
 * on, the gateway puts the caller's verified claims into a short-lived JWT
 * (HS256, a secret shared with the subgraphs) in the `x-gateway-token`
 * header; a subgraph verifies it and answers 401 without it. The same header
 * travels the HTTP path and the in-process path (data-source.ts), so no call
 * to a subgraph goes around it.
 */
import { SignJWT, jwtVerify, errors } from 'jose';

/** The header that carries the gateway's internal token. */
export const INTERNAL_TOKEN_HEADER = 'x-gateway-token';

export interface InternalTokenOptions {
  /** The shared secret (at least 32 bytes). */
  secret: string | Uint8Array;
  /** @default 'gateway' */
  issuer?: string;
  /** @default 'subgraphs' */
  audience?: string;
  /** Lifetime of a token; never beyond the caller's own token's expiry. @default 60 */
  ttlSeconds?: number;
}

/** Claims of the caller's token that are not carried over (the internal token sets its own). */
const REGISTERED = new Set(['iss', 'aud', 'exp', 'nbf', 'iat', 'jti']);

export interface InternalTokenSigner {
  /**
   * A token carrying `claims` (registered claims dropped; the caller's `iss`
   * kept as `caller_iss`). With a `cacheKey` (e.g. the caller's bearer token)
   * a token is reused until half its lifetime is gone.
   */
  sign(claims: Record<string, unknown>, options?: { cacheKey?: string; notAfterMs?: number }): Promise<string>;
}

export interface InternalTokenVerifier {
  /** The claims of a token the gateway signed; throws InternalTokenError saying why not. */
  verify(token: string | undefined): Promise<Record<string, unknown>>;
}

export class InternalTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InternalTokenError';
  }
}

function secretBytes(secret: string | Uint8Array): Uint8Array {
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  if (bytes.length < 32) throw new Error('the internal token secret must be at least 32 bytes');
  return bytes;
}

export function createInternalTokenSigner(options: InternalTokenOptions): InternalTokenSigner {
  const key = secretBytes(options.secret);
  const issuer = options.issuer ?? 'gateway';
  const audience = options.audience ?? 'subgraphs';
  const ttlMs = (options.ttlSeconds ?? 60) * 1000;
  const cache = new Map<string, { token: string; renewAt: number }>();

  return {
    async sign(claims, { cacheKey, notAfterMs } = {}) {
      const now = Date.now();
      if (cacheKey) {
        const hit = cache.get(cacheKey);
        if (hit && hit.renewAt > now) return hit.token;
      }
      const payload: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(claims)) if (!REGISTERED.has(k)) payload[k] = v;
      if (typeof claims.iss === 'string') payload.caller_iss = claims.iss;
      const exp = Math.min(now + ttlMs, notAfterMs ?? Infinity);
      const token = await new SignJWT(payload)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt(Math.floor(now / 1000))
        .setExpirationTime(Math.floor(exp / 1000))
        .sign(key);
      if (cacheKey) {
        if (cache.size >= 10_000) cache.delete(cache.keys().next().value as string);
        cache.set(cacheKey, { token, renewAt: now + (exp - now) / 2 });
      }
      return token;
    },
  };
}

export function createInternalTokenVerifier(options: InternalTokenOptions): InternalTokenVerifier {
  const key = secretBytes(options.secret);
  const issuer = options.issuer ?? 'gateway';
  const audience = options.audience ?? 'subgraphs';
  const cache = new Map<string, { claims: Record<string, unknown>; expiresAt: number }>();

  return {
    async verify(token) {
      if (!token) throw new InternalTokenError(`This subgraph only answers requests forwarded by the gateway: the ${INTERNAL_TOKEN_HEADER} header is missing`);
      const now = Date.now();
      const hit = cache.get(token);
      if (hit && hit.expiresAt > now) return hit.claims;
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer, audience, requiredClaims: ['exp'] });
        if (cache.size >= 10_000) cache.delete(cache.keys().next().value as string);
        cache.set(token, { claims: payload, expiresAt: payload.exp! * 1000 });
        return payload;
      } catch (err) {
        const why = err instanceof errors.JWTExpired ? 'it has expired' : err instanceof errors.JOSEError ? err.message : 'it does not verify';
        throw new InternalTokenError(`This subgraph only answers requests forwarded by the gateway: the ${INTERNAL_TOKEN_HEADER} header is not valid (${why})`);
      }
    },
  };
}
