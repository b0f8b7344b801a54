/**
 * telemetry/ — metrics (prom-client, `/metrics`), span export (OpenTelemetry,
 * when OTEL_EXPORTER_OTLP_ENDPOINT is set), health and readiness (`/healthz`,
 * `/readyz`). The trace context itself and the logger live in lib/ (everything
 * logs); `TANDEM_TELEMETRY=off` turns metrics, spans and trace ids in logs off.
 */
export * as metrics from './metrics';
export { boundedLabel, collectProcessMetrics, metricsContentType, metricsText, onScrape, registry } from './metrics';
export { createHealth } from './health';
export type { CheckResult, Health, HealthCheckOptions, HealthPhase, Readiness } from './health';
export { dispatchRoute, opsRoutes, startOpsServer } from './http';
export type { HttpRoute, HttpRoutes, OpsServer } from './http';
export { startTracing } from './tracing';
export type { RunningTracing, TracingOptions } from './tracing';
export { graphqlMetricsPlugin } from './graphql-plugin';
