import pino, { Logger } from 'pino';

export type { Logger } from 'pino';

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
 * The process logger. `LOG_LEVEL` sets the level (default `info`, `silent` under
 * jest unless LOG_LEVEL is set); `LOG_PRETTY=1` prints human-readable lines.
 */
let root: Logger | undefined;

/** A logger with Tandem's options (base fields, redaction) writing to `destination`. */
export function createPinoLogger(destination: pino.DestinationStream, level = 'info'): Logger {
  return pino({ level, base: { app: 'tandem' }, redact: { paths: [...LOG_REDACT_PATHS], censor: '[REDACTED]' } }, destination);
}

export function rootLogger(): Logger {
  if (!root) {
    const underTest = process.env.JEST_WORKER_ID !== undefined;
    const level = process.env.LOG_LEVEL ?? (underTest ? 'silent' : 'info');
    root =
      process.env.LOG_PRETTY === '1'
        ? pino({ level, base: { app: 'tandem' }, redact: { paths: [...LOG_REDACT_PATHS], censor: '[REDACTED]' }, transport: { target: 'pino-pretty', options: { colorize: true, destination: 2 } } })
        : createPinoLogger(pino.destination(2), level);
  }
  return root;
}

/** A child logger for one component (`component` is logged on every line). */
export function createLogger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return rootLogger().child({ component, ...bindings });
}
