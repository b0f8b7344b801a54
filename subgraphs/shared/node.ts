import type { CacheEntry } from '../../cache';
import type { EntityMap, EntityType } from '../../canonical-schema';
import type { Freshness } from './types';

type Class<T> = abstract new (...args: never[]) => T;

/**
 * A resolver's object for a cached entity: the canonical value's fields and
 * its freshness, built on the prototype of the entity's GraphQL class.
 * type-graphql hands a field resolver its root as an instance of the class and
 * copies any other object first (twice per call: for the resolver and for
 * `@Root`); an instance goes through as it is. Assigning onto it is also ~4×
 * cheaper than spreading the frozen cached value (the BI query builds ~1,600
 * of these per request). The object is the caller's own: not frozen, not shared.
 */
export function entityNode<E extends EntityType>(Type: Class<unknown>, entry: CacheEntry<E> | null): (EntityMap[E] & { freshness: Freshness }) | null {
  if (!entry) return null;
  const node = Object.assign(Object.create(Type.prototype as object) as object, entry.value) as EntityMap[E] & { freshness: Freshness };
  node.freshness = entry.freshness;
  return node;
}

/** A reference to an entity another subgraph owns, as an instance of its stub class (see entityNode). */
export function entityRef<T extends { id: string }>(Type: Class<T>, id: string): T {
  const ref = Object.create(Type.prototype as object) as T;
  ref.id = id;
  return ref;
}
