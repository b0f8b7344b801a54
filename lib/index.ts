export { createLogger, rootLogger, configureLogs } from './logger';
export type { Logger, LogDestination } from './logger';
export { envString, envInt, envBool, envDay, ConfigError } from './env';
export { LOG_REDACT_PATHS } from './logger';
export {
  formatTraceparent,
  inSpan,
  newSpanId,
  newTraceId,
  parseTraceparent,
  resetTelemetrySwitch,
  setSpanSink,
  startSpan,
  telemetryEnabled,
} from './trace-context';
export type { SpanAttributes, SpanHandle, SpanKind, SpanOptions, SpanSink, TraceContext } from './trace-context';
export { memoByKey } from './memo';
export { createGroupCommit } from './group-commit';
export { startModuleThread } from './module-thread';
export type { GroupCommit, GroupCommitOptions } from './group-commit';
