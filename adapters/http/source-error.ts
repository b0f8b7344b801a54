import type { SourceSystem } from '../../canonical-schema';

/** Every way a source-system call can fail, as the layers above an adapter see it. */
export const SOURCE_ERROR_CODES = [
  'NOT_FOUND',
  'UNAUTHORIZED',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'TIMEOUT',
  'BAD_RESPONSE',
  'REJECTED',
] as const;

/**
 * The closed set of source-system failure codes.
 * - `NOT_FOUND`: 404 for a single record.
 * - `UNAUTHORIZED`: 401/403 (bad or expired token).
 * - `RATE_LIMITED`: 429; `retryAfterMs` carries the vendor's Retry-After.
 * - `UNAVAILABLE`: connection refused/reset, 5xx.
 * - `TIMEOUT`: the call did not answer within its time budget (treat like UNAVAILABLE).
 * - `BAD_RESPONSE`: the body is not JSON, does not match the vendor's wire shape, or
 *   carries a value the mapping does not know (e.g. an unknown status).
 * - `REJECTED`: any other 4xx; the vendor refused the request (validation, bad query).
 */
export type SourceErrorCode = (typeof SOURCE_ERROR_CODES)[number];

const RETRYABLE: ReadonlySet<SourceErrorCode> = new Set(['RATE_LIMITED', 'UNAVAILABLE', 'TIMEOUT']);

/** Whether a failure with this code may succeed if the same call is repeated later. */
export function isRetryableCode(code: SourceErrorCode): boolean {
  return RETRYABLE.has(code);
}

/** Options of a {@link SourceError}. */
export interface SourceErrorOptions {
  /** HTTP status, when the vendor answered. */
  status?: number;
  /** Delay the vendor asked for (429 Retry-After), in milliseconds. */
  retryAfterMs?: number;
  /** Overrides the default retryability of `code`. */
  retryable?: boolean;
  /** The vendor's own error code (`MALFORMED_QUERY`, `NONEXISTENT_ID`, `unauthorized`, ...). */
  vendorCode?: string;
  /** The original error or response detail. */
  cause?: unknown;
}

/** A failed call to a source system, normalised to one closed set of codes. */
export class SourceError extends Error {
  readonly code: SourceErrorCode;
  readonly system: SourceSystem;
  readonly status?: number;
  readonly retryAfterMs?: number;
  /** True for RATE_LIMITED, UNAVAILABLE and TIMEOUT unless overridden. */
  readonly retryable: boolean;
  readonly vendorCode?: string;

  constructor(code: SourceErrorCode, system: SourceSystem, message: string, options: SourceErrorOptions = {}) {
    super(`${system} ${code}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SourceError';
    this.code = code;
    this.system = system;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.retryable = options.retryable ?? isRetryableCode(code);
    this.vendorCode = options.vendorCode;
  }
}

/** A BAD_RESPONSE for a value the mapping cannot interpret; `field` names the vendor field. */
export function badResponse(system: SourceSystem, field: string, detail: string, cause?: unknown): SourceError {
  return new SourceError('BAD_RESPONSE', system, `${field}: ${detail}`, { cause });
}

/**
 * Parses a Retry-After header (delta seconds or an HTTP date) into milliseconds
 * from `now`; undefined when absent or unreadable. A date in the past gives 0.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** The first human-readable message and vendor code found in a Salesforce, NetSuite or Kantata error body. */
export function vendorErrorDetail(body: unknown): { message?: string; vendorCode?: string } {
  if (Array.isArray(body)) {
    // Salesforce: [{ message, errorCode }]
    const first: unknown = body[0];
    if (isRecord(first)) return { message: str(first.message), vendorCode: str(first.errorCode) };
    return {};
  }
  if (!isRecord(body)) return {};
  if (Array.isArray(body.errors)) {
    // Kantata: { errors: [{ type, message }] }
    const first: unknown = body.errors[0];
    if (isRecord(first)) return { message: str(first.message), vendorCode: str(first.type) };
    return {};
  }
  const details = body['o:errorDetails'];
  if (Array.isArray(details) && isRecord(details[0])) {
    // NetSuite: { type, title, status, o:errorDetails: [{ detail, o:errorCode }] }
    return { message: str(details[0].detail) ?? str(body.title), vendorCode: str(details[0]['o:errorCode']) };
  }
  return { message: str(body.title) ?? str(body.message) ?? str(body.error) };
}

/**
 * Builds the SourceError for a non-2xx vendor answer: 401/403 → UNAUTHORIZED,
 * 404 → NOT_FOUND, 429 → RATE_LIMITED (with Retry-After), 5xx → UNAVAILABLE,
 * 408 → TIMEOUT, any other 4xx → REJECTED with the vendor's message.
 */
export function sourceErrorFromStatus(
  system: SourceSystem,
  status: number,
  body: unknown,
  retryAfterHeader?: string | null,
  context = '',
): SourceError {
  const { message, vendorCode } = vendorErrorDetail(body);
  const text = `${context ? `${context}: ` : ''}${message ?? `HTTP ${status}`}`;
  const opts: SourceErrorOptions = { status, vendorCode, cause: body };
  if (status === 401 || status === 403) return new SourceError('UNAUTHORIZED', system, text, opts);
  if (status === 404) return new SourceError('NOT_FOUND', system, text, opts);
  if (status === 429) {
    return new SourceError('RATE_LIMITED', system, text, { ...opts, retryAfterMs: parseRetryAfter(retryAfterHeader) });
  }
  if (status === 408) return new SourceError('TIMEOUT', system, text, opts);
  if (status >= 500) return new SourceError('UNAVAILABLE', system, text, opts);
  return new SourceError('REJECTED', system, text, opts);
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * Normalises anything thrown while calling `system` into a SourceError:
 * abort/timeout → TIMEOUT; connection refused/reset/closed → UNAVAILABLE;
 * JSON syntax or schema errors → BAD_RESPONSE. Anything unrecognised becomes a
 * non-retryable UNAVAILABLE carrying the original as `cause`.
 */
export function ensureSourceError(error: unknown, system: SourceSystem): SourceError {
  if (error instanceof SourceError) return error;
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; e = causeOf(e), depth++) {
    const name = isRecord(e) ? str(e.name) : undefined;
    const code = isRecord(e) ? str(e.code) : undefined;
    if (name === 'TimeoutError' || name === 'AbortError' || (code && TIMEOUT_CODES.has(code))) {
      return new SourceError('TIMEOUT', system, `no answer in time (${messageOf(e)})`, { cause: error });
    }
    if (code && CONNECTION_CODES.has(code)) {
      return new SourceError('UNAVAILABLE', system, `connection failed (${code}: ${messageOf(e)})`, { cause: error });
    }
    if (name === 'ZodError') return new SourceError('BAD_RESPONSE', system, messageOf(e), { cause: error });
    if (e instanceof SyntaxError) {
      return new SourceError('BAD_RESPONSE', system, `body is not JSON (${e.message})`, { cause: error });
    }
  }
  // undici reports every network failure as `TypeError: fetch failed` with the reason as cause.
  if (error instanceof TypeError && error.message === 'fetch failed') {
    return new SourceError('UNAVAILABLE', system, `connection failed (${messageOf(causeOf(error) ?? error)})`, {
      cause: error,
    });
  }
  return new SourceError('UNAVAILABLE', system, `unexpected failure (${messageOf(error)})`, {
    cause: error,
    retryable: false,
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
function causeOf(e: unknown): unknown {
  return isRecord(e) ? e.cause : undefined;
}
function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (isRecord(e) && typeof e.message === 'string') return e.message;
  return String(e);
}

/**
 * The vendor field names an error body points at: Salesforce `[{ fields: [...] }]`,
 * Kantata `{ errors: [{ field }] }`. NetSuite names fields only in its message text.
 */
export function vendorErrorFields(body: unknown): string[] {
  const out: string[] = [];
  const add = (v: unknown) => {
    if (typeof v === 'string' && v !== '' && !out.includes(v)) out.push(v);
  };
  if (Array.isArray(body)) {
    for (const e of body) if (isRecord(e) && Array.isArray(e.fields)) e.fields.forEach(add);
  } else if (isRecord(body) && Array.isArray(body.errors)) {
    for (const e of body.errors) if (isRecord(e)) add(e.field);
  }
  return out;
}

/**
 * The same failure, its message rewritten to name the record it concerns so that a
 * person can act on it: `ERP REJECTED: customer eid:001… (Acme Ltd): Invalid currency
 * reference key XYZ. [INVALID_KEY_OR_REF]`, and for Salesforce and Kantata the vendor
 * fields the vendor pointed at (`fields: CurrencyIsoCode`). Code, status, retryability,
 * Retry-After and vendor code are kept; the original error is the `cause`. An error
 * that already carries a context is returned as it is (the innermost context wins).
 */
export function sourceErrorInContext(error: unknown, system: SourceSystem, context: string): SourceError {
  const e = ensureSourceError(error, system);
  // Already named by an inner call, which knows the record best: keep it.
  if (e.cause instanceof SourceError) return e;
  let body: unknown = e.cause;
  while (body instanceof SourceError) body = body.cause;
  const { message } = vendorErrorDetail(body);
  const prefix = `${e.system} ${e.code}: `;
  let detail = message ?? (e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message);
  const fields = vendorErrorFields(body);
  if (fields.length > 0) detail += ` (fields: ${fields.join(', ')})`;
  if (e.vendorCode) detail += ` [${e.vendorCode}]`;
  return new SourceError(e.code, e.system, `${context}: ${detail}`, {
    status: e.status,
    retryAfterMs: e.retryAfterMs,
    retryable: e.retryable,
    vendorCode: e.vendorCode,
    cause: e,
  });
}

/** Runs `call`; a failure is rethrown naming `context` (the record), see {@link sourceErrorInContext}. */
export async function inSourceContext<T>(system: SourceSystem, context: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw sourceErrorInContext(e, system, context);
  }
}
