import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalId, type EntityType, type SourceSystem } from '../../canonical-schema';
import type { ExternalLink } from '../../store';
import type { SubmitCommand } from '../api';

/**
 * The webhook events the source systems send (docs/source-systems.md "Webhooks")
 * and the commands they become (docs/sync-engine.md "Webhooks"). The payloads
 * are the vendors' own shapes, so this file is the one place above the
 * simulators/adapters that knows `StageName` or `time_entry_ids`.
 */

const envelope = <T extends string, D extends z.ZodTypeAny>(type: T, data: D) =>
  z.object({ id: z.string().min(1).max(200), type: z.literal(type), occurredAt: z.string().datetime({ offset: true }), data });

const id = z.string().trim().min(1).max(100);

export const crmEventSchema = envelope(
  'opportunity.stage_changed',
  z.object({ Id: id, AccountId: id.nullable().optional(), StageName: z.string().min(1), PreviousStageName: z.string().nullable() }),
);
export const erpEventSchema = envelope(
  'invoice.status_changed',
  z.object({ id, entity: id.optional(), status: z.string().min(1), previousStatus: z.string().nullable().optional(), amountRemaining: z.number().optional() }),
);
export const psaEventSchema = envelope(
  'timesheet.approved',
  z.object({ time_entry_ids: z.array(id).min(1).max(1000), user_id: id.optional(), workspace_id: id.optional() }),
);

export type CrmEvent = z.infer<typeof crmEventSchema>;
export type ErpEvent = z.infer<typeof erpEventSchema>;
export type PsaEvent = z.infer<typeof psaEventSchema>;
export type WebhookEvent = CrmEvent | ErpEvent | PsaEvent;

const SCHEMAS: Record<SourceSystem, z.ZodTypeAny> = { CRM: crmEventSchema, ERP: erpEventSchema, PSA: psaEventSchema };

/** Parses a signed body as the event its system sends; undefined with the reason when it is not one. */
export function parseWebhookEvent(system: SourceSystem, body: unknown): { event: WebhookEvent } | { error: string } {
  const parsed = SCHEMAS[system].safeParse(body);
  if (parsed.success) return { event: parsed.data as WebhookEvent };
  const issue = parsed.error.issues[0];
  const where = issue.path.length ? issue.path.join('.') : '(body)';
  return { error: `not a known ${system} webhook event: ${where}: ${issue.message}` };
}

// ------------------------------------------------------------ idempotency keys

/**
 * The idempotency key of converting a Closed Won opportunity. The webhook and
 * reconciliation both use it, so the two can never start two conversions of
 * one opportunity: the second submit returns the first transaction.
 */
export function closedWonKey(crmOpportunityId: string): string {
  return `crm:opportunity:${crmOpportunityId}:closed-won`;
}

/** The key of approving a set of PSA time entries (order-free; hashed when long). */
export function timeApprovalKey(psaTimeEntryIds: readonly string[]): string {
  const ids = [...new Set(psaTimeEntryIds)].sort().join(',');
  const part = ids.length <= 120 ? ids : `sha256-${createHash('sha256').update(ids).digest('hex')}`;
  return `psa:time-entries:${part}:approved`;
}

/**
 * The key of copying an ERP invoice status change to the CRM: one per change
 * (invoice, new status, when it happened), so a redelivery reuses it and a
 * later change of the same invoice (Open → Pending Approval → Open) gets its own.
 */
export function invoiceStatusChangeKey(erpInvoiceId: string, status: string, occurredAt: string): string {
  return `erp:invoice:${erpInvoiceId}:status:${status}:${occurredAt}`;
}

// ----------------------------------------------------------------- commands

/** What one event asks of Tandem. */
export type EventDecision =
  | {
      kind: 'submit';
      command: SubmitCommand;
      /** id-map entries the workflow needs to find the source records (the store may not have indexed them yet) */
      links: { entity: EntityType; links: ExternalLink[] }[];
    }
  | { kind: 'ignored'; reason: string };

const CLOSED_WON = 'Closed Won';

/** Maps a verified event to the command it becomes, or to the reason it is acknowledged and ignored. */
export function decide(system: SourceSystem, event: WebhookEvent): EventDecision {
  const requestedBy = `webhook:${system.toLowerCase()}`;
  switch (event.type) {
    case 'opportunity.stage_changed': {
      const { Id, StageName, PreviousStageName } = event.data;
      if (StageName !== CLOSED_WON) return { kind: 'ignored', reason: `stage changed to ${StageName}; only Closed Won starts a conversion` };
      if (PreviousStageName === CLOSED_WON) return { kind: 'ignored', reason: 'the opportunity was already Closed Won' };
      const opportunityId = canonicalId('opportunity', Id);
      return {
        kind: 'submit',
        command: { workflow: 'opportunity-to-project', input: { opportunityId }, idempotencyKey: closedWonKey(Id), origin: 'webhook', requestedBy },
        links: [{ entity: 'opportunity', links: [{ canonicalId: opportunityId, system: 'CRM', externalId: Id }] }],
      };
    }
    case 'timesheet.approved': {
      const psaIds = [...new Set(event.data.time_entry_ids)];
      const links = psaIds.map((psaId) => ({ canonicalId: canonicalId('timeEntry', psaId), system: 'PSA' as const, externalId: psaId }));
      return {
        kind: 'submit',
        command: {
          workflow: 'time-approval',
          input: { ids: links.map((l) => l.canonicalId) },
          idempotencyKey: timeApprovalKey(psaIds),
          origin: 'webhook',
          requestedBy,
        },
        links: [{ entity: 'timeEntry', links }],
      };
    }
    case 'invoice.status_changed': {
      const { id: erpId, status } = event.data;
      const invoiceId = canonicalId('invoice', erpId);
      return {
        kind: 'submit',
        command: {
          workflow: 'invoice-status',
          input: { invoiceId },
          idempotencyKey: invoiceStatusChangeKey(erpId, status, event.occurredAt),
          origin: 'webhook',
          requestedBy,
        },
        links: [{ entity: 'invoice', links: [{ canonicalId: invoiceId, system: 'ERP', externalId: erpId }] }],
      };
    }
  }
}
