/** Test helpers for the simulators: raw HTTP calls with the system's token. */

/** Test answers are read loosely: their shapes are asserted, not typed. */
export type Loose = any;

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON; undefined when empty or not JSON. */
  body: Loose;
  ms: number;
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** A different token, or false for no Authorization header. */
  token?: string | false;
}

/** Calls a running simulator over real HTTP with `Authorization: Bearer <token>`. */
export async function call(system: { url: string; token: string }, method: string, path: string, opts: CallOptions = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (opts.token !== false) headers.authorization = `Bearer ${opts.token ?? system.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const started = performance.now();
  const res = await fetch(`${system.url}${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: Loose;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body, ms: performance.now() - started };
}
