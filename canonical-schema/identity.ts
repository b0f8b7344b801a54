import { createHash } from 'node:crypto';
import { z } from 'zod';

export const SOURCE_SYSTEMS = ['CRM', 'ERP', 'PSA'] as const;
export const sourceSystemSchema = z.enum(SOURCE_SYSTEMS);
/** The three systems of record Tandem federates. */
export type SourceSystem = z.infer<typeof sourceSystemSchema>;

/** One record's id in one source system. */
export const externalIdSchema = z.object({ system: sourceSystemSchema, id: z.string().min(1) });
export type ExternalId = z.infer<typeof externalIdSchema>;

export const ENTITY_TYPES = [
  'customer',
  'opportunity',
  'project',
  'resource',
  'assignment',
  'timeEntry',
  'invoice',
  'payment',
] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/**
 * The system whose id anchors each entity's canonical id. The same record seen
 * from another system (an ERP customer carrying its Salesforce account id, a PSA
 * workspace carrying its ERP job id) maps to the same canonical id without a lookup.
 */
export const ANCHOR_SYSTEM: Record<EntityType, SourceSystem> = {
  customer: 'CRM',
  opportunity: 'CRM',
  project: 'ERP',
  resource: 'PSA',
  assignment: 'PSA',
  timeEntry: 'PSA',
  invoice: 'ERP',
  payment: 'ERP',
};

const NAMESPACE = Buffer.from('5f0c6f6e-7461-6e64-656d-2d63616e6f6e'.replace(/-/g, ''), 'hex');

/**
 * The canonical id of an entity: a name-based UUID (RFC 4122 version 5) of the
 * entity type and its anchor-system id. Deterministic, so a wiped store
 * rediscovers the same ids, and opaque, so clients never see vendor ids in it.
 */
export function canonicalId(entity: EntityType, anchorId: string): string {
  const hash = createHash('sha1')
    .update(NAMESPACE)
    .update(`${entity}:${ANCHOR_SYSTEM[entity]}:${anchorId}`)
    .digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x50;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function externalIdOf(ids: readonly ExternalId[], system: SourceSystem): string | undefined {
  return ids.find((e) => e.system === system)?.id;
}

export const uuidSchema = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a Tandem id (a UUID)');
