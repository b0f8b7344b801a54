import { memoByKey } from '../../lib';
import { z } from 'zod';
import { wireId } from '../shared/mapping';

/**
 * Kantata OX (API v1) wire shapes, as docs/source-systems.md describes them. Ids
 * are numeric strings (a JSON number is tolerated); money is integer cents.
 * Lenient: unknown fields pass through.
 */

export const KANTATA_API = '/api/v1';

const cents = z.number().int().nullish();

/** `users`. */
export const userWire = z.looseObject({
  id: wireId,
  full_name: z.string(),
  email_address: z.string(),
  headline: z.string().nullish(),
  skills: z.array(z.string()).nullish(),
  bill_rate_in_cents: cents,
  cost_rate_in_cents: cents,
  currency: z.string().nullish(),
});
export type UserWire = z.output<typeof userWire>;

/** `workspaces`. */
export const workspaceWire = z.looseObject({
  id: wireId,
  title: z.string().nullish(),
  external_reference: z.union([z.string(), z.number()]).transform(String).nullish(),
  price_in_cents: cents,
  currency: z.string().nullish(),
  start_date: z.string().nullish(),
  due_date: z.string().nullish(),
  status: z.string().nullish(),
});
export type WorkspaceWire = z.output<typeof workspaceWire>;

/** `workspace_resources` (assignments). */
export const workspaceResourceWire = z.looseObject({
  id: wireId,
  workspace_id: wireId,
  user_id: wireId,
  role_name: z.string().nullish(),
  planned_minutes: z.number(),
  bill_rate_in_cents: z.number().int().nullish(),
  currency: z.string(),
  status: z.string(),
});
export type WorkspaceResourceWire = z.output<typeof workspaceResourceWire>;

/** `time_entries`. */
export const timeEntryWire = z.looseObject({
  id: wireId,
  user_id: wireId,
  workspace_id: wireId,
  date_performed: z.string(),
  time_in_minutes: z.number(),
  billable: z.boolean(),
  notes: z.string().nullish(),
  status: z.string(),
  invoice_reference: z.union([z.string(), z.number()]).transform(String).nullish(),
});
export type TimeEntryWire = z.output<typeof timeEntryWire>;

/** The Kantata objects the adapter uses. */
export type KantataObject = 'users' | 'workspaces' | 'workspace_resources' | 'time_entries';

/** The wire schema of each object. */
export const KANTATA_SCHEMAS = {
  users: userWire,
  workspaces: workspaceWire,
  workspace_resources: workspaceResourceWire,
  time_entries: timeEntryWire,
} as const;
export type KantataRecord<O extends KantataObject> = z.output<(typeof KANTATA_SCHEMAS)[O]>;

const resultRef = z.looseObject({ key: z.string(), id: wireId });
const meta = z.looseObject({
  count: z.number().optional(),
  page_count: z.number().optional(),
  page_number: z.number().optional(),
  page_size: z.number().optional(),
});

/**
 * The Kantata envelope for `object`: `{ count, results: [{key, id}], <object>: {id: record},
 * workspaces?: {id: workspace} (side-loaded), meta }`.
 */
export function envelopeWire(object: KantataObject): z.ZodType<RawEnvelope> {
  return envelopeWires(object);
}
const envelopeWires = memoByKey((object: KantataObject): z.ZodType<RawEnvelope> => {
  const shape: Record<string, z.ZodType> = {
    count: z.number().optional(),
    results: z.array(resultRef),
    workspaces: z.record(z.string(), workspaceWire).optional(),
    meta: meta.optional(),
  };
  shape[object] = z.record(z.string(), KANTATA_SCHEMAS[object]).optional();
  return z.looseObject(shape) as unknown as z.ZodType<RawEnvelope>;
});
/** The envelope as parsed, before its object map is picked out. */
export interface RawEnvelope {
  count?: number;
  results: { key: string; id: string }[];
  workspaces?: Record<string, WorkspaceWire>;
  meta?: Envelope<KantataObject>['meta'];
  [object: string]: unknown;
}
/** A validated Kantata envelope. */
export interface Envelope<O extends KantataObject> {
  count?: number;
  results: { key: string; id: string }[];
  records: Record<string, KantataRecord<O>>;
  workspaces: Record<string, WorkspaceWire>;
  meta?: { count?: number; page_count?: number; page_number?: number; page_size?: number };
}

/** Body of a `users` write. */
export interface UserBody {
  full_name?: string;
  email_address?: string;
  headline?: string | null;
  skills?: string[];
  bill_rate_in_cents?: number | null;
  cost_rate_in_cents?: number | null;
  currency?: string | null;
}

/** Body of a `workspaces` write. */
export interface WorkspaceBody {
  title?: string;
  external_reference?: string | null;
  price_in_cents?: number | null;
  currency?: string;
  start_date?: string | null;
  due_date?: string | null;
  status?: string;
}

/** Body of a `workspace_resources` write. */
export interface WorkspaceResourceBody {
  workspace_id?: string;
  user_id?: string;
  role_name?: string;
  planned_minutes?: number;
  bill_rate_in_cents?: number;
  currency?: string;
  status?: string;
}

/** Body of a `time_entries` write. */
export interface TimeEntryBody {
  user_id?: string;
  workspace_id?: string;
  date_performed?: string;
  time_in_minutes?: number;
  billable?: boolean;
  notes?: string | null;
  status?: string;
  invoice_reference?: string | null;
}
