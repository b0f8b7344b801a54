import type { Reader } from '../../cache';
import type { Logger } from '../../lib';
import type { SyncEngine } from '../../sync';
import type { AuditLog, Denial, Principal } from './auth';

/** What every subgraph resolver receives: the request's reader over the canonical cache, and the sync engine for writes. */
export interface SubgraphContext {
  reader: Reader;
  requestId: string;
  logger: Logger;
  /** The write side: mutations submit commands here (never to a source system). */
  sync: SyncEngine;
  /** Who asks, as recorded on sync transactions: the verified caller, `subject (roles)` (see auth/principal.ts). */
  caller: string;
  /** The verified caller: subject, roles, scopes, and the customer a portal token is limited to. */
  principal: Principal;
  /** Accesses denied during this request; the audit plugin records them. */
  denials: Denial[];
  /** The audit trail (the operations subgraph's auditLog query reads it). */
  audit: AuditLog;
  /** The W3C trace id of the request (from `traceparent`), when the caller sent one. */
  traceId: string | undefined;
}
