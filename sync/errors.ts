import { BrokenCircuitError, BulkheadRejectedError, IsolatedCircuitError } from 'cockatiel';
import { SourceError, type SourceErrorCode } from '../adapters/http';

/**
 * Why a step failed, as the engine decides what to do next:
 * - `MASTER_DATA_INCOMPLETE`, `NOT_CLOSED_WON`, `STAFFING_REFUSED`, `NOTHING_TO_INVOICE`,
 *   `UNKNOWN_RECORD`, `INVALID_INPUT`: business refusals (permanent).
 * - `SOURCE_REJECTED`, `SOURCE_NOT_FOUND`, `SOURCE_UNAUTHORIZED`: the system refused (permanent).
 * - `SOURCE_UNAVAILABLE`, `SOURCE_RATE_LIMITED`, `SOURCE_TIMEOUT`, `SOURCE_BAD_RESPONSE`,
 *   `CIRCUIT_OPEN`: transient, retried with backoff.
 * - `RETRIES_EXHAUSTED`: transient failures for longer than the maximum age (permanent).
 * - `INTERNAL_ERROR`: a bug (permanent, so that it is seen).
 */
export const STEP_FAILURE_CODES = [
  'MASTER_DATA_INCOMPLETE',
  'NOT_CLOSED_WON',
  'STAFFING_REFUSED',
  'NOTHING_TO_INVOICE',
  'UNKNOWN_RECORD',
  'INVALID_INPUT',
  'SOURCE_REJECTED',
  'SOURCE_NOT_FOUND',
  'SOURCE_UNAUTHORIZED',
  'SOURCE_UNAVAILABLE',
  'SOURCE_RATE_LIMITED',
  'SOURCE_TIMEOUT',
  'SOURCE_BAD_RESPONSE',
  'CIRCUIT_OPEN',
  'RETRIES_EXHAUSTED',
  'COMPENSATION_FAILED',
  'INTERNAL_ERROR',
] as const;
export type StepFailureCode = (typeof STEP_FAILURE_CODES)[number];

/** A step failure with what a person should do about it. Never thrown as a string. */
export class StepFailure extends Error {
  constructor(
    readonly code: StepFailureCode,
    message: string,
    readonly options: {
      /** whether the same step may succeed later (the engine reschedules it) */
      retryable?: boolean;
      /** what a person should do, naming the system, record and field */
      remediation?: string | null;
      /** at least this long before the next attempt (Retry-After, circuit half-open) */
      retryAfterMs?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StepFailure';
  }
  get retryable(): boolean {
    return this.options.retryable ?? false;
  }
  get remediation(): string | null {
    return this.options.remediation ?? null;
  }
}

const SOURCE_CODES: Record<SourceErrorCode, StepFailureCode> = {
  NOT_FOUND: 'SOURCE_NOT_FOUND',
  UNAUTHORIZED: 'SOURCE_UNAUTHORIZED',
  RATE_LIMITED: 'SOURCE_RATE_LIMITED',
  UNAVAILABLE: 'SOURCE_UNAVAILABLE',
  TIMEOUT: 'SOURCE_TIMEOUT',
  BAD_RESPONSE: 'SOURCE_BAD_RESPONSE',
  REJECTED: 'SOURCE_REJECTED',
};

/**
 * Normalises anything a step threw. Source errors keep their retryability, except
 * that a BAD_RESPONSE to a write is retried (the same idempotency key makes that safe;
 * the simulators' `garbage` fault is temporary) and an UNAUTHORIZED is permanent
 * (a token to fix, then replay).
 */
export function ensureStepFailure(error: unknown): StepFailure {
  if (error instanceof StepFailure) return error;
  if (error instanceof SourceError) {
    const code = SOURCE_CODES[error.code];
    const retryable = error.code === 'BAD_RESPONSE' ? true : error.code === 'UNAUTHORIZED' ? false : error.retryable;
    let remediation: string | null = null;
    if (!retryable) {
      remediation =
        error.code === 'UNAUTHORIZED'
          ? `Check the ${error.system} credentials Tandem uses (TANDEM_${error.system}_TOKEN), then replay the transaction`
          : `${error.system} refused the request: ${error.message}. Fix the record in the ${error.system}, then replay the transaction`;
    }
    return new StepFailure(code, error.message, { retryable, remediation, retryAfterMs: error.retryAfterMs, cause: error });
  }
  if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
    return new StepFailure('CIRCUIT_OPEN', 'circuit open', { retryable: true, cause: error });
  }
  if (error instanceof BulkheadRejectedError) {
    return new StepFailure('SOURCE_UNAVAILABLE', 'too many calls queued for the system', { retryable: true, cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new StepFailure('INTERNAL_ERROR', `unexpected error: ${message}`, {
    retryable: false,
    remediation: 'This is a defect in Tandem; report it with the transaction id. Replay once fixed.',
    cause: error,
  });
}
