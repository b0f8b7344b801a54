/**
 * Tandem's keys and tokens. In production the gateway verifies tokens of the
 * firm's identity provider (TANDEM_AUTH_JWKS_URL or TANDEM_AUTH_PUBLIC_KEY)
 * and the gateway and subgraphs share TANDEM_INTERNAL_TOKEN_SECRET. On a
 * machine with none of that set (the embedded default), a development signing
 * key (ES256) and an internal token secret are created once under
 * `<dataDir>/keys/` (mode 0600) and used by every Tandem process that shares
 * the data directory; `tandem start` prints a ready token per role and
 * `tandem token <role>` mints one.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JSONWebKeySet, type JWK } from 'jose';
import type { IncomingMessage } from 'node:http';
import {
  bearerTokenOf,
  createInternalTokenVerifier,
  createTokenVerifier,
  securityConfigFromEnv,
  type InternalTokenVerifier,
  type SecurityConfig,
  type TokenVerifierOptions,
} from '../gateway';
import { ConfigError, envString } from '../lib';
import { principalFromClaims, ROLES, type Role } from '../subgraphs';

/** Issuer and audience of development tokens. */
export const DEV_ISSUER = 'tandem-dev';
export const DEV_AUDIENCE = 'tandem';

/** The staff roles every caller has when TANDEM_AUTH=off (development and tests that focus on other things). */
export const AUTH_OFF_ROLES: readonly Role[] = ['bi', 'account-team', 'integrator', 'finance', 'admin'];

export interface DevKeys {
  dir: string;
  /** ES256 private key (JWK), to mint development tokens. */
  privateJwk: JWK;
  /** Its public half, as the gateway's JWK set. */
  publicJwks: JSONWebKeySet;
  internalTokenSecret: string;
}

/** Creates a file only if it does not exist yet, atomically (processes starting together agree on one). */
function createOnce(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
}

/** The development keys under `<dataDir>/keys`, created on first use. */
export async function ensureDevKeys(dataDir: string): Promise<DevKeys> {
  const dir = path.join(dataDir, 'keys');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyFile = path.join(dir, 'dev-signing-key.jwk.json');
  const secretFile = path.join(dir, 'internal-token.secret');
  if (!existsSync(keyFile)) {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(privateKey);
    createOnce(keyFile, JSON.stringify({ ...jwk, alg: 'ES256', use: 'sig', kid: await calculateJwkThumbprint(jwk) }, null, 2) + '\n');
  }
  if (!existsSync(secretFile)) createOnce(secretFile, randomBytes(32).toString('base64url') + '\n');
  const privateJwk = JSON.parse(readFileSync(keyFile, 'utf8')) as JWK;
  const { d: _d, ...publicJwk } = privateJwk;
  return { dir, privateJwk, publicJwks: { keys: [publicJwk] }, internalTokenSecret: readFileSync(secretFile, 'utf8').trim() };
}

export interface MintTokenOptions {
  roles: readonly Role[];
  /** @default `dev-<role>@tandem.local` */
  subject?: string;
  /** For a portal token: the customer it sees. */
  customerId?: string;
  /** @default 7 days */
  ttlSeconds?: number;
}

/** A development token signed with the data directory's key (accepted by a gateway that uses the same keys). */
export async function mintDevToken(keys: DevKeys, options: MintTokenOptions): Promise<string> {
  for (const r of options.roles) if (!(ROLES as readonly string[]).includes(r)) throw new ConfigError(`unknown role "${r}": one of ${ROLES.join(', ')}`);
  const key = await importJWK(keys.privateJwk, 'ES256');
  const claims: Record<string, unknown> = { roles: [...options.roles] };
  if (options.customerId) claims.customerId = options.customerId;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: keys.privateJwk.kid })
    .setSubject(options.subject ?? `dev-${options.roles.join('-')}@tandem.local`)
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${options.ttlSeconds ?? 7 * 24 * 3600}s`)
    .sign(key);
}

export interface TandemSecurity {
  /** The gateway's policies. */
  gateway: SecurityConfig;
  /** What subgraphs verify the gateway's token with. */
  internalToken: InternalTokenVerifier;
  /** The development keys, when they are in use (no identity provider configured). */
  devKeys: DevKeys | null;
}

/**
 * What a subgraph process verifies the gateway's token with:
 * TANDEM_INTERNAL_TOKEN_SECRET, else the data directory's development secret.
 */
export async function internalTokenVerifierFromEnv(dataDir: string): Promise<InternalTokenVerifier> {
  const secret = envString('TANDEM_INTERNAL_TOKEN_SECRET') ?? (await ensureDevKeys(dataDir)).internalTokenSecret;
  if (Buffer.byteLength(secret) < 32) throw new ConfigError('TANDEM_INTERNAL_TOKEN_SECRET must be at least 32 bytes');
  return createInternalTokenVerifier({ secret });
}

/**
 * The security settings of a Tandem process: the environment's (see
 * gateway/policies/config.ts), falling back on the development keys under
 * `dataDir` for whatever is not configured.
 */
export async function tandemSecurityFromEnv(dataDir: string): Promise<TandemSecurity> {
  const needsKeys = !(envString('TANDEM_AUTH_JWKS_URL') || envString('TANDEM_AUTH_PUBLIC_KEY')) || !envString('TANDEM_INTERNAL_TOKEN_SECRET');
  const devKeys = needsKeys ? await ensureDevKeys(dataDir) : null;
  const gateway = securityConfigFromEnv({
    jwks: devKeys?.publicJwks,
    issuer: DEV_ISSUER,
    audience: DEV_AUDIENCE,
    internalTokenSecret: devKeys?.internalTokenSecret,
    anonymousClaims: { sub: 'anonymous', roles: [...AUTH_OFF_ROLES] },
  });
  return {
    gateway,
    internalToken: createInternalTokenVerifier({ secret: gateway.security.internalToken!.secret }),
    devKeys: gateway.usingDefaultKeys ? devKeys : null,
  };
}

/**
 * Who may read the operations console's chart data (`/console/api/series`):
 * a bearer token verified like the gateway's, with a staff role (any role but
 * `portal`: the charts show every customer's backlog and unbilled amount).
 * Undefined when authentication is off (everyone is staff then).
 */
export function consoleAuthorizer(auth: TokenVerifierOptions | false): ((req: IncomingMessage) => Promise<{ status: 401 | 403; message: string } | undefined>) | undefined {
  if (!auth) return undefined;
  const verifier = createTokenVerifier(auth);
  return async (req) => {
    let token: string;
    try {
      token = bearerTokenOf(req);
      if (!token) return { status: 401, message: 'Sign in: the console needs a staff token (Authorization: Bearer <token>)' };
      const roles = principalFromClaims({ ...(await verifier.verify(token)).claims, auth: 'bearer' }).roles;
      if (!roles.some((r) => r !== 'portal')) {
        return { status: 403, message: `The console's charts need a staff role (${AUTH_OFF_ROLES.join(', ')}); this token has ${roles.join(', ') || 'none'}` };
      }
      return undefined;
    } catch (err) {
      return { status: 401, message: err instanceof Error ? err.message : String(err) };
    }
  };
}
