/**
 * The gateway's request policies in one place: authentication, the per-caller
 * rate limit and the internal token run for each request before its operation
 * is parsed; operation limits and the safelist run as Apollo Server plugins.
 * Generic: the claims are verified and passed on, never interpreted.
 */
import type { IncomingMessage } from 'node:http';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { Logger } from '../../lib/logger';
import { bearerTokenOf, createTokenVerifier, type TokenVerifierOptions } from './auth';
import { AuthenticationError, NotInSafelistError, RateLimitedError } from './errors';
import { createInternalTokenSigner, INTERNAL_TOKEN_HEADER, type InternalTokenOptions } from './internal-token';
import { checkDocumentSize, checkParsedOperation, operationLimitsPlugin, type OperationLimits } from './operation-limits';
import { persistedQueriesOption, safelistPlugin, sha256Hex, type PersistedOperationsOptions } from './persisted-operations';
import { createRateLimiter, type RateLimitOptions } from './rate-limit';

export interface GatewaySecurityOptions {
  /**
   * Verify bearer tokens with these settings; `false` lets every request in as
   * `anonymousClaims` (development and tests only).
   */
  auth: TokenVerifierOptions | false;
  /** The claims of every caller when `auth` is false. @default { sub: 'anonymous' } */
  anonymousClaims?: Record<string, unknown>;
  /** Sign the caller's claims into `x-gateway-token` on every subgraph call. Unset: nothing is signed. */
  internalToken?: InternalTokenOptions;
  /** Operation limits, or false for none. */
  limits: OperationLimits | false;
  /** Per-caller token buckets, or false for none. */
  rateLimit: RateLimitOptions | false;
  /** @default { mode: 'apq' } */
  persistedQueries?: PersistedOperationsOptions;
}

/** Who a request is from, as the gateway established it. */
export interface GatewayCaller {
  subject: string;
  /** True when a bearer token verified; false when authentication is off. */
  authenticated: boolean;
  claims: Record<string, unknown>;
}

/** What the policies add to a request's context. */
export interface SecuredRequest {
  forwardHeaders: Record<string, string>;
  caller?: GatewayCaller;
  requestId: string;
}

export interface GatewaySecurity {
  readonly options: GatewaySecurityOptions;
  /** Authenticates, rate-limits and signs one request; throws the policy's error (401, 429). */
  admit(req: IncomingMessage, context: SecuredRequest): Promise<void>;
  /**
   * Admits a long-lived connection (graphql-ws): authenticated and rate-limited once, like
   * one request; `headers()` gives the forwarded headers of each subgraph call it makes later
   * (the internal token signed afresh as it nears its expiry), and throws an
   * AuthenticationError once the caller's own token has expired.
   */
  admitConnection(req: IncomingMessage, context: SecuredRequest): Promise<{ caller: GatewayCaller; headers(): Promise<Record<string, string>> }>;
  /** Apollo Server plugins: operation limits, safelist. */
  plugins: ApolloServerPlugin<BaseContext>[];
  /**
   * The same checks for an operation that does not pass through Apollo Server
   * (graphql-ws subscriptions): document size and the safelist on the source,
   * depth, aliases and cost once parsed (`document` given). Throws the policy's error.
   */
  checkOperation(op: { source: string; document?: DocumentNode; schema: GraphQLSchema; operationName?: string | null; variables?: Record<string, unknown> | null }): void;
  /** Apollo Server's `persistedQueries` option. */
  persistedQueries: ReturnType<typeof persistedQueriesOption>;
  /** Headers for the gateway's own calls to subgraphs (fetching their SDL at start). */
  serviceHeaders(): Promise<Record<string, string>>;
  /** Closes the rate limiter's Redis connection, if any. */
  close(): Promise<void>;
}

export function createGatewaySecurity(options: GatewaySecurityOptions, logger: Logger): GatewaySecurity {
  const log = logger.child({ policy: 'security' });
  const verifier = options.auth ? createTokenVerifier(options.auth) : undefined;
  const signer = options.internalToken ? createInternalTokenSigner(options.internalToken) : undefined;
  const limiter = options.rateLimit ? createRateLimiter(options.rateLimit, log) : undefined;
  const anonymous = options.anonymousClaims ?? { sub: 'anonymous' };
  const persisted = options.persistedQueries ?? { mode: 'apq' as const };
  const plugins: ApolloServerPlugin<BaseContext>[] = [];
  if (options.limits) plugins.push(operationLimitsPlugin(options.limits));
  if (persisted.mode === 'safelist') plugins.push(safelistPlugin(persisted.safelist ?? new Map()));

  async function authenticate(req: IncomingMessage): Promise<{ caller: GatewayCaller; token: string; expiresAt?: number }> {
    if (!verifier) return { caller: { subject: String(anonymous.sub ?? 'anonymous'), authenticated: false, claims: anonymous }, token: '' };
    const token = bearerTokenOf(req);
    if (!token) throw new AuthenticationError('Authentication required: send an "Authorization: Bearer <token>" header', 'missing');
    const verified = await verifier.verify(token);
    return { caller: { subject: verified.subject, authenticated: true, claims: verified.claims }, token, expiresAt: verified.expiresAt };
  }

  /** Authentication and the rate limit of one request or connection; the caller's own token stays at the gateway. */
  async function admitCaller(req: IncomingMessage, context: SecuredRequest): Promise<Awaited<ReturnType<typeof authenticate>>> {
    let identity: Awaited<ReturnType<typeof authenticate>>;
    try {
      identity = await authenticate(req);
    } catch (err) {
      if (err instanceof AuthenticationError) {
        log.info({ requestId: context.requestId, reason: err.reason, remote: req.socket.remoteAddress }, `request refused: ${err.message}`);
      }
      throw err;
    }
    const { caller } = identity;
    context.caller = caller;
    if (limiter) {
      const key = caller.authenticated ? `sub:${String(caller.claims.iss ?? '')}|${caller.subject}` : `ip:${req.socket.remoteAddress ?? 'unknown'}`;
      const decision = await limiter.take(key);
      if (!decision.allowed) {
        log.info({ requestId: context.requestId, subject: caller.subject, retryAfterMs: decision.retryAfterMs }, 'request refused: rate limit');
        throw new RateLimitedError(decision.retryAfterMs, limiter.options);
      }
    }
    // the caller's own token stays at the gateway: subgraphs get the gateway's signature
    if (verifier) delete context.forwardHeaders.authorization;
    return identity;
  }

  const signFor = (identity: Awaited<ReturnType<typeof authenticate>>) =>
    signer!.sign(
      { ...identity.caller.claims, auth: identity.caller.authenticated ? 'bearer' : 'none' },
      { cacheKey: identity.token || `anonymous`, notAfterMs: identity.expiresAt },
    );

  const limits = options.limits;
  const safelist = persisted.mode === 'safelist' ? (persisted.safelist ?? new Map<string, string>()) : undefined;
  function checkOperation(op: Parameters<GatewaySecurity['checkOperation']>[0]): void {
    if (!op.document) {
      if (limits) checkDocumentSize(op.source, limits);
      if (safelist) {
        const hash = sha256Hex(op.source);
        if (!safelist.has(hash)) throw new NotInSafelistError(hash);
      }
      return;
    }
    if (limits) checkParsedOperation(limits, { ...op, document: op.document });
  }

  return {
    options,
    plugins,
    checkOperation,
    persistedQueries: persistedQueriesOption(persisted),
    async admit(req, context) {
      const identity = await admitCaller(req, context);
      if (signer) context.forwardHeaders[INTERNAL_TOKEN_HEADER] = await signFor(identity);
    },
    async admitConnection(req, context) {
      const identity = await admitCaller(req, context);
      const base = { ...context.forwardHeaders };
      return {
        caller: identity.caller,
        async headers() {
          if (identity.expiresAt !== undefined && Date.now() >= identity.expiresAt) {
            throw new AuthenticationError('The token this connection was opened with has expired: reconnect with a fresh one', 'expired');
          }
          return signer ? { ...base, [INTERNAL_TOKEN_HEADER]: await signFor(identity) } : base;
        },
      };
    },
    async serviceHeaders(): Promise<Record<string, string>> {
      if (!signer) return {};
      return { [INTERNAL_TOKEN_HEADER]: await signer.sign({ sub: 'gateway', auth: 'service' }, { cacheKey: '\0service' }) };
    },
    async close() {
      await limiter?.close();
    },
  };
}
