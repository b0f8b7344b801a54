import { z } from 'zod';
import { moneySchema } from './money';
import { INVOICE_STATUSES, PROJECT_STATUSES } from './entities';

/**
 * Versioned event contracts. An event's `type` names its contract and version
 * (`project.created.v1`); a new version is a new contract, and consumers keep
 * reading the versions they know. Every event carries the canonical key of the
 * entity it is about, so a subscriber can resolve the rest through the graph.
 */
export const eventContracts = {
  'project.created.v1': z.object({
    projectId: z.string(),
    customerId: z.string(),
    opportunityId: z.string().nullable(),
    code: z.string(),
  }),
  'project.status-changed.v1': z.object({
    projectId: z.string(),
    customerId: z.string(),
    from: z.enum(PROJECT_STATUSES).nullable(),
    to: z.enum(PROJECT_STATUSES),
  }),
  'customer.upserted.v1': z.object({ customerId: z.string() }),
  'invoice.created.v1': z.object({ invoiceId: z.string(), customerId: z.string(), total: moneySchema }),
  'invoice.status-changed.v1': z.object({
    invoiceId: z.string(),
    customerId: z.string(),
    from: z.enum(INVOICE_STATUSES).nullable(),
    to: z.enum(INVOICE_STATUSES),
  }),
  'payment.recorded.v1': z.object({ paymentId: z.string(), invoiceId: z.string(), amount: moneySchema }),
  'sync.transaction-updated.v1': z.object({
    transactionId: z.string(),
    workflow: z.string(),
    status: z.string(),
  }),
} as const;

export type EventType = keyof typeof eventContracts;
export type EventPayload<T extends EventType> = z.infer<(typeof eventContracts)[T]>;

/** The envelope every published event travels in. */
export interface EventEnvelope<T extends EventType = EventType> {
  /** Unique event id, used by consumers to de-duplicate. */
  id: string;
  type: T;
  occurredAt: string;
  /** Trace id of the request or sync transaction that caused it. */
  traceId: string | null;
  payload: EventPayload<T>;
}

export function parseEvent<T extends EventType>(type: T, payload: unknown): EventPayload<T> {
  return eventContracts[type].parse(payload) as EventPayload<T>;
}
