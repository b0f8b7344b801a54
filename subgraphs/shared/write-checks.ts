import type { EntityMap, EntityType } from '../../canonical-schema';
import type { SubgraphContext } from './context';
import { NotFoundError } from './write-errors';

const LABEL: Record<EntityType, string> = {
  customer: 'customer',
  opportunity: 'opportunity',
  project: 'project',
  resource: 'resource',
  assignment: 'assignment',
  timeEntry: 'time entry',
  invoice: 'invoice',
  payment: 'payment',
};

/**
 * The entity a mutation argument names, read through the request's reader
 * (`fresh` asks the system of record, serving the cached row if it cannot
 * answer); a NOT_FOUND error naming the argument and the id when no system knows it.
 */
export async function requireEntity<E extends EntityType>(
  ctx: SubgraphContext,
  entity: E,
  id: string,
  argumentName: string,
  opts: { fresh?: boolean } = {},
): Promise<EntityMap[E]> {
  const entry = await ctx.reader.load(entity, id, opts);
  if (!entry) throw new NotFoundError(argumentName, LABEL[entity], id);
  return entry.value;
}

/** Describes a record for a message: `project PRJ-0042 "Data platform" (<id>)`. */
export function describe(entity: string, id: string, name?: string | null): string {
  return name ? `${entity} "${name}" (${id})` : `${entity} ${id}`;
}
