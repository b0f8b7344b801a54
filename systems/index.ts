/**
 * The simulated source systems: a Salesforce-shaped CRM, a NetSuite-shaped ERP
 * and a Kantata-shaped PSA, each a real HTTP server with its own data, bearer
 * auth, latency, concurrency limit, faults and counters. The wire contract is
 * docs/source-systems.md.
 */
export { startCrm, startErp, startPsa, startSystems, stopSystems } from './start';
export type { SimulatorOptions, StartSystemsOptions, RunningSystems } from './start';
export type { RunningSystem } from './server/system-server';
export type { SystemName, SystemLabel } from './server/types';
export { SYSTEM_LABELS } from './server/types';
export type { Faults, FaultsPatch } from './server/faults';
export { defaultFaults } from './server/faults';
export type { CountersSnapshot } from './server/counters';
export { signWebhook, DELIVERY_LOG_SIZE } from './server/webhooks';
export type { WebhookPatch, WebhookSettings, WebhookDelivery, DeliveryStatus } from './server/webhooks';
export { systemFilePath } from './server/persistence';
export { systemsConfigFromEnv, DEFAULT_PORTS, DEFAULT_TOKENS, DEFAULT_CONCURRENCY, DEFAULT_WEBHOOK_SECRETS } from './config';
export type { SystemsConfig } from './config';
export { systemAdmin, SystemAdminError } from './admin-client';
export type { SystemAdmin } from './admin-client';
export { generateWorld, canonicalInvoiceStatus, MIN_SEED_CUSTOMERS } from './seed/generate-world';
export type { GenerateWorldOptions } from './seed/generate-world';
export type {
  World,
  CrmData,
  ErpData,
  PsaData,
  CrmAccount,
  CrmOpportunity,
  ErpCustomer,
  ErpJob,
  ErpChangeOrder,
  ErpInvoice,
  ErpInvoiceLine,
  ErpCustomerPayment,
  PsaUser,
  PsaWorkspace,
  PsaWorkspaceResource,
  PsaTimeEntry,
  Subsidiary,
} from './seed/world';
export { SUBSIDIARIES, ERP_CURRENCIES } from './seed/world';
