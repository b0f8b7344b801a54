import pino, { Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * The process logger. `LOG_LEVEL` sets the level (default `info`, `silent` under
 * jest unless LOG_LEVEL is set); `LOG_PRETTY=1` prints human-readable lines.
 */
let root: Logger | undefined;

export function rootLogger(): Logger {
  if (!root) {
    const underTest = process.env.JEST_WORKER_ID !== undefined;
    const level = process.env.LOG_LEVEL ?? (underTest ? 'silent' : 'info');
    root = pino({
      level,
      base: { app: 'tandem' },
      transport: process.env.LOG_PRETTY === '1' ? { target: 'pino-pretty', options: { colorize: true, destination: 2 } } : undefined,
    }, process.env.LOG_PRETTY === '1' ? undefined : pino.destination(2));
  }
  return root;
}

/** A child logger for one component (`component` is logged on every line). */
export function createLogger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return rootLogger().child({ component, ...bindings });
}
