import type { IncomingMessage } from 'node:http';

/**
 * Header naming the caller of a request. Only read when authentication is off
 * at the gateway (TANDEM_AUTH=off); otherwise the caller is the verified
 * subject of the gateway's x-gateway-token (auth/principal.ts).
 */
export const CALLER_HEADER = 'x-tandem-caller';
export const ANONYMOUS_CALLER = 'anonymous';

const CALLER_RE = /^[\w.@:/+-]{1,200}$/;
const TRACEPARENT_RE = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v)?.trim() || undefined;
}

/** The caller named by `x-tandem-caller` (letters, digits and `_.@:/+-`, up to 200), else `anonymous`. */
export function callerOf(req: IncomingMessage): string {
  return callerFromHeader(header(req, CALLER_HEADER));
}

/** The trace id of a W3C `traceparent` header, or undefined when absent or malformed (all-zero ids are invalid). */
export function traceIdOf(req: IncomingMessage): string | undefined {
  return traceIdFromHeader(header(req, 'traceparent'));
}

/** {@link callerOf} for a header value already read (the in-process path has headers, not a request). */
export function callerFromHeader(value: string | undefined): string {
  const c = value?.trim();
  return c && CALLER_RE.test(c) ? c : ANONYMOUS_CALLER;
}

/** {@link traceIdOf} for a header value already read. */
export function traceIdFromHeader(value: string | undefined): string | undefined {
  const m = TRACEPARENT_RE.exec(value?.trim().toLowerCase() ?? '');
  return m && !/^0+$/.test(m[1]) ? m[1] : undefined;
}
