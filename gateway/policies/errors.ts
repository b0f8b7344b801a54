/**
 * Errors the gateway's policies answer with. Each carries its own
 * `extensions.code`, the HTTP status it is sent with (`extensions.http`, read
 * by Apollo Server and stripped from the body) and what was measured, so a
 * client can tell exactly which policy refused it and why.
 */
import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';

/** Codes of the errors below. */
export type PolicyErrorCode =
  | 'UNAUTHENTICATED'
  | 'RATE_LIMITED'
  | 'OPERATION_TOO_DEEP'
  | 'OPERATION_TOO_COSTLY'
  | 'TOO_MANY_ALIASES'
  | 'DOCUMENT_TOO_LARGE'
  | 'OPERATION_NOT_IN_SAFELIST';

abstract class PolicyError extends GraphQLError {
  constructor(message: string, code: PolicyErrorCode, status: number, extensions: Record<string, unknown> = {}, headers: [string, string][] = []) {
    super(message, { extensions: { code, ...extensions, http: { status, headers: new HeaderMap(headers) } } });
  }
}

/** 401: no bearer token, or one that does not verify. `reason` says which check failed. */
export class AuthenticationError extends PolicyError {
  constructor(message: string, readonly reason: string) {
    super(message, 'UNAUTHENTICATED', 401, { reason }, [['www-authenticate', `Bearer error="invalid_token", error_description="${message.replace(/["\\]/g, "'")}"`]]);
  }
}

/** 429: the caller's token bucket is empty; `Retry-After` says when one request will be let through again. */
export class RateLimitedError extends PolicyError {
  constructor(retryAfterMs: number, limit: { ratePerSecond: number; burst: number }) {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super(
      `Rate limit exceeded: at most ${limit.ratePerSecond} requests per second (bursts of ${limit.burst}) per caller; retry after ${seconds} s`,
      'RATE_LIMITED',
      429,
      { retryAfterSeconds: seconds, ratePerSecond: limit.ratePerSecond, burst: limit.burst },
      [['retry-after', String(seconds)]],
    );
  }
}

/** 400: an operation over one of the configured limits, with the measured value and the limit. */
export class OperationLimitError extends PolicyError {
  constructor(code: Extract<PolicyErrorCode, 'OPERATION_TOO_DEEP' | 'OPERATION_TOO_COSTLY' | 'TOO_MANY_ALIASES' | 'DOCUMENT_TOO_LARGE'>, message: string, measured: number, limit: number) {
    super(message, code, 400, { measured, limit });
  }
}

/** 400: safelist mode, and the operation is not one of the registered ones. */
export class NotInSafelistError extends PolicyError {
  constructor(queryHash: string) {
    super(
      'This gateway only runs registered operations (safelist mode), and this one is not registered; send the sha256 of a registered operation in extensions.persistedQuery',
      'OPERATION_NOT_IN_SAFELIST',
      400,
      { queryHash },
    );
  }
}
