/**
 * The policies' settings from the environment. Every variable is listed in
 * SECURITY_ENV (and the README). Authentication is on unless TANDEM_AUTH=off,
 * which production (NODE_ENV=production) refuses.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { JSONWebKeySet } from 'jose';
import { ConfigError, envBool, envInt, envString } from '../../lib/env';
import { DEFAULT_OPERATION_LIMITS } from './operation-limits';
import { loadSafelist, type PersistedQueriesMode } from './persisted-operations';
import type { GatewaySecurityOptions } from './security';

/** Keys to fall back on when none are configured (Tandem passes its development keys from the data directory). */
export interface SecurityKeyDefaults {
  /** Public keys to verify bearer tokens with. */
  jwks?: JSONWebKeySet;
  issuer?: string;
  audience?: string;
  /** The internal token secret. */
  internalTokenSecret?: string;
  /** Claims of every caller when TANDEM_AUTH=off. */
  anonymousClaims?: Record<string, unknown>;
}

export interface SecurityConfig {
  security: GatewaySecurityOptions;
  /** Browser origins allowed to call the gateway (CORS); '*' for any. @default [] (TANDEM_GATEWAY_CORS_ORIGINS) */
  corsOrigins: string[] | '*';
  /** @default 1048576 (TANDEM_GATEWAY_MAX_BODY_BYTES) */
  maxBodyBytes: number;
  /** True when the keys came from the defaults, not from the environment. */
  usingDefaultKeys: boolean;
}

/** Every variable securityConfigFromEnv reads. */
export const SECURITY_ENV = [
  'TANDEM_AUTH',
  'TANDEM_AUTH_JWKS_URL',
  'TANDEM_AUTH_PUBLIC_KEY',
  'TANDEM_AUTH_ISSUER',
  'TANDEM_AUTH_AUDIENCE',
  'TANDEM_AUTH_ALGORITHMS',
  'TANDEM_AUTH_CLOCK_TOLERANCE_S',
  'TANDEM_INTERNAL_TOKEN_SECRET',
  'TANDEM_INTERNAL_TOKEN_TTL_S',
  'TANDEM_GATEWAY_LIMITS',
  'TANDEM_GATEWAY_MAX_DEPTH',
  'TANDEM_GATEWAY_MAX_COST',
  'TANDEM_GATEWAY_MAX_ALIASES',
  'TANDEM_GATEWAY_MAX_DOCUMENT_BYTES',
  'TANDEM_GATEWAY_DEFAULT_LIST_SIZE',
  'TANDEM_RATE_LIMIT',
  'TANDEM_RATE_LIMIT_PER_SECOND',
  'TANDEM_RATE_LIMIT_BURST',
  'REDIS_URL',
  'TANDEM_PERSISTED_QUERIES',
  'TANDEM_SAFELIST_FILE',
  'TANDEM_GATEWAY_CORS_ORIGINS',
  'TANDEM_GATEWAY_MAX_BODY_BYTES',
] as const;

function pemOrFile(value: string, name: string): string {
  if (value.includes('-----BEGIN')) return value.replace(/\\n/g, '\n');
  if (!existsSync(value)) throw new ConfigError(`${name} must be a PEM public key or the path of one; "${value}" is neither`);
  return readFileSync(value, 'utf8');
}

function list(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter(Boolean);
}

export function securityConfigFromEnv(defaults: SecurityKeyDefaults = {}): SecurityConfig {
  const production = process.env.NODE_ENV === 'production';
  const authOn = envBool('TANDEM_AUTH', true);
  if (!authOn && production) throw new ConfigError('TANDEM_AUTH=off is refused when NODE_ENV=production');
  const jwksUrl = envString('TANDEM_AUTH_JWKS_URL');
  const publicKey = envString('TANDEM_AUTH_PUBLIC_KEY');
  if (jwksUrl && publicKey) throw new ConfigError('set one of TANDEM_AUTH_JWKS_URL and TANDEM_AUTH_PUBLIC_KEY, not both');
  const configured = !!(jwksUrl || publicKey);
  let usingDefaultKeys = false;

  let auth: GatewaySecurityOptions['auth'] = false;
  if (authOn) {
    const issuer = envString('TANDEM_AUTH_ISSUER') ?? (configured ? undefined : defaults.issuer);
    const audience = envString('TANDEM_AUTH_AUDIENCE') ?? (configured ? undefined : defaults.audience);
    if (!configured && !defaults.jwks) {
      throw new ConfigError('authentication is on: set TANDEM_AUTH_JWKS_URL or TANDEM_AUTH_PUBLIC_KEY (with TANDEM_AUTH_ISSUER and TANDEM_AUTH_AUDIENCE), or TANDEM_AUTH=off for development');
    }
    if (!issuer) throw new ConfigError('TANDEM_AUTH_ISSUER is required with TANDEM_AUTH_JWKS_URL or TANDEM_AUTH_PUBLIC_KEY');
    if (!audience) throw new ConfigError('TANDEM_AUTH_AUDIENCE is required with TANDEM_AUTH_JWKS_URL or TANDEM_AUTH_PUBLIC_KEY');
    if (jwksUrl && !/^https?:\/\//.test(jwksUrl)) throw new ConfigError(`TANDEM_AUTH_JWKS_URL must be an http(s) URL, got "${jwksUrl}"`);
    usingDefaultKeys = !configured;
    auth = {
      jwksUrl,
      publicKeyPem: publicKey ? pemOrFile(publicKey, 'TANDEM_AUTH_PUBLIC_KEY') : undefined,
      jwks: configured ? undefined : defaults.jwks,
      issuer: list(issuer),
      audience: list(audience),
      algorithms: list(envString('TANDEM_AUTH_ALGORITHMS', 'RS256,ES256')),
      clockToleranceSeconds: envInt('TANDEM_AUTH_CLOCK_TOLERANCE_S', 5, 0, 300),
    };
  }

  const secret = envString('TANDEM_INTERNAL_TOKEN_SECRET') ?? defaults.internalTokenSecret;
  if (!secret) throw new ConfigError('TANDEM_INTERNAL_TOKEN_SECRET is required: the secret the gateway signs what it forwards with (the same value on every subgraph)');
  if (Buffer.byteLength(secret) < 32) throw new ConfigError('TANDEM_INTERNAL_TOKEN_SECRET must be at least 32 bytes');

  const limitsOn = envBool('TANDEM_GATEWAY_LIMITS', true);
  const d = DEFAULT_OPERATION_LIMITS;
  const limits = limitsOn
    ? {
        maxDepth: envInt('TANDEM_GATEWAY_MAX_DEPTH', d.maxDepth, 1, 1000),
        maxCost: envInt('TANDEM_GATEWAY_MAX_COST', d.maxCost, 1),
        maxAliases: envInt('TANDEM_GATEWAY_MAX_ALIASES', d.maxAliases, 0),
        maxDocumentBytes: envInt('TANDEM_GATEWAY_MAX_DOCUMENT_BYTES', d.maxDocumentBytes, 64),
        defaultListSize: envInt('TANDEM_GATEWAY_DEFAULT_LIST_SIZE', d.defaultListSize, 1, 100_000),
      }
    : (false as const);

  const rateOn = envBool('TANDEM_RATE_LIMIT', true);
  const rateLimit = rateOn
    ? {
        ratePerSecond: envInt('TANDEM_RATE_LIMIT_PER_SECOND', 100, 1),
        burst: envInt('TANDEM_RATE_LIMIT_BURST', 200, 1),
        redisUrl: envString('REDIS_URL'),
      }
    : (false as const);

  const safelistFile = envString('TANDEM_SAFELIST_FILE');
  const mode = envString('TANDEM_PERSISTED_QUERIES', safelistFile ? 'safelist' : 'apq') as PersistedQueriesMode;
  if (!['apq', 'safelist', 'off'].includes(mode)) throw new ConfigError(`TANDEM_PERSISTED_QUERIES must be apq, safelist or off, got "${mode}"`);
  if (mode === 'safelist' && !safelistFile) throw new ConfigError('TANDEM_PERSISTED_QUERIES=safelist needs TANDEM_SAFELIST_FILE (a persisted query manifest)');
  let safelist: Map<string, string> | undefined;
  if (mode === 'safelist') {
    try {
      safelist = loadSafelist(safelistFile!);
    } catch (err) {
      throw new ConfigError(`TANDEM_SAFELIST_FILE: ${(err as Error).message}`);
    }
  }

  const cors = envString('TANDEM_GATEWAY_CORS_ORIGINS', '').trim();
  return {
    security: {
      auth,
      anonymousClaims: defaults.anonymousClaims,
      internalToken: { secret, ttlSeconds: envInt('TANDEM_INTERNAL_TOKEN_TTL_S', 60, 5, 3600) },
      limits,
      rateLimit,
      persistedQueries: { mode, safelist },
    },
    corsOrigins: cors === '*' ? '*' : list(cors),
    maxBodyBytes: envInt('TANDEM_GATEWAY_MAX_BODY_BYTES', 1024 * 1024, 1024),
    usingDefaultKeys,
  };
}
