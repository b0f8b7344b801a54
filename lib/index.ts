export { createLogger, rootLogger } from './logger';
export type { Logger } from './logger';
export { envString, envInt, envBool, ConfigError } from './env';
export { LOG_REDACT_PATHS } from './logger';
