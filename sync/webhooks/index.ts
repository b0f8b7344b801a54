/**
 * sync/webhooks — Tandem's webhook receiver: verifies the source systems'
 * signed events, de-duplicates redeliveries and submits the commands they
 * become (docs/sync-engine.md "Webhooks").
 */
export {
  startWebhookServer,
  DEFAULT_WEBHOOK_PORT,
  DEFAULT_WEBHOOK_SECRETS,
  MAX_WEBHOOK_BODY_BYTES,
  type WebhookServerOptions,
  type RunningWebhookServer,
  type WebhookSystem,
} from './server';
export { verifyWebhookSignature, webhookSignature, TIMESTAMP_TOLERANCE_SECONDS, type SignatureCheck } from './signature';
export {
  parseWebhookEvent,
  decide as webhookCommand,
  closedWonKey,
  timeApprovalKey,
  invoiceStatusChangeKey,
  type WebhookEvent,
  type EventDecision,
} from './events';
