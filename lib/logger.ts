import pino, { Logger } from 'pino';

export type { Logger } from 'pino';

/** Where log lines go: anything with `write(line)` (a file, a stream, a test's capture). */
export interface LogDestination {
  write(line: string): unknown;
}

/**
 * What is never written to a log: bearer tokens and the gateway's internal
 * token, tax ids (canonical `taxId`, the CRM's `Tax_Id__c`, the ERP's `vatregnumber`), webhook and other
 * secrets, passwords. Pino replaces them with "[REDACTED]" at these paths
 * (up to three levels deep: `input.taxId`, `req.headers.authorization`, ...).
 */
const SECRET_KEYS = ['authorization', 'token', 'accessToken', 'idToken', '"x-gateway-token"', 'taxId', 'Tax_Id__c', 'vatregnumber', 'vatRegNumber', 'secret', 'webhookSecret', 'password', 'apiKey'];
export const LOG_REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap((k) => {
  const key = k.startsWith('"') ? `[${k}]` : `.${k}`;
  return [key.slice(key.startsWith('.') ? 1 : 0), `*${key}`, `*.*${key}`, `*.*.*${key}`];
});

/**
 * The process logger: JSON lines (pino) on stderr, each with `component`; the
 * loggers of a request or a sync transaction are children bound to its
 * `traceId`, so one id finds a request in every process's logs.
 *
 * - `LOG_LEVEL` sets the level (default `info`; `silent` under jest unless LOG_LEVEL is set).
 * - `LOG_PRETTY=1` prints readable lines through pino-pretty, `LOG_PRETTY=0` JSON;
 *   unset, readable when stdout is a terminal (e.g. `npm start`).
 * - {@link configureLogs} redirects the lines (tests capture them) and changes the level.
 */
let root: Logger | undefined;
let target: LogDestination | undefined;
const components = new Set<WeakRef<Logger>>();

function wantsPretty(): boolean {
  const v = process.env.LOG_PRETTY;
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  return process.env.JEST_WORKER_ID === undefined && process.stdout.isTTY === true && prettyAvailable();
}

function prettyAvailable(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/** A logger with Tandem's options (base fields, redaction) writing to `destination`. */
export function createPinoLogger(destination: pino.DestinationStream, level = 'info'): Logger {
  return pino({ level, base: { app: 'tandem' }, redact: { paths: [...LOG_REDACT_PATHS], censor: '[REDACTED]' } }, destination);
}

export function rootLogger(): Logger {
  if (!root) {
    const underTest = process.env.JEST_WORKER_ID !== undefined;
    const level = process.env.LOG_LEVEL ?? (underTest ? 'silent' : 'info');
    const options: pino.LoggerOptions = { level, base: { app: 'tandem', pid: process.pid }, redact: { paths: [...LOG_REDACT_PATHS], censor: '[REDACTED]' } };
    if (wantsPretty()) {
      root = pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true, destination: 2, ignore: 'app,pid,hostname' } } });
    } else {
      const stderr = pino.destination(2);
      // a forwarding destination, so configureLogs can redirect loggers created earlier
      root = pino(options, { write: (line: string) => (target ?? stderr).write(line) });
    }
  }
  return root;
}

/** A child logger for one component (`component` is logged on every line). */
export function createLogger(component: string, bindings: Record<string, unknown> = {}): Logger {
  const child = rootLogger().child({ component, ...bindings });
  components.add(new WeakRef(child));
  return child;
}

/**
 * Changes where every logger writes (`destination`; undefined: back to stderr) and
 * the level of the root and of every component logger made so far. Loggers
 * created afterwards inherit it. Not available with pino-pretty (a worker thread).
 */
export function configureLogs(options: { level?: string; destination?: LogDestination | null }): void {
  const r = rootLogger();
  if (options.destination !== undefined) target = options.destination ?? undefined;
  if (options.level) {
    r.level = options.level;
    for (const ref of components) {
      const l = ref.deref();
      if (l) l.level = options.level;
      else components.delete(ref);
    }
  }
}
