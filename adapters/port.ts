import type { EntityMap, EntityType, SourceSystem } from '../canonical-schema';

/**
 * What Tandem asks of a source system on the read path, in canonical terms.
 * One implementation per system (CRM, ERP, PSA); nothing above an adapter sees
 * a vendor field name.
 */
export interface SourceAdapter {
  readonly system: SourceSystem;
  /** The entity types this system is the system of record for. */
  readonly entities: readonly EntityType[];
  /**
   * Reads records by this system's own ids through the vendor's batch endpoint
   * (SOQL `IN`, SuiteQL `IN`, Kantata `only=`), chunked only when a list exceeds
   * the vendor's limit. Ids that do not exist are simply absent from the result
   * (so are duplicates, ids that cannot be the system's ids, and records the
   * mapping must skip, such as time in a PSA workspace without ERP job). Results are in no
   * particular order; match them by canonical `id` or `externalIds`. A failed call rejects with a
   * `SourceError` (adapters/http); an entity the system is not the system of record
   * for is a programming error (plain `Error`).
   */
  fetchMany<E extends EntityType>(entity: E, externalIds: readonly string[]): Promise<EntityMap[E][]>;
  /**
   * Reads every record of a type (paged through the vendor's list or query endpoint).
   * Rejects with a `SourceError` like `fetchMany`.
   */
  listAll<E extends EntityType>(entity: E): Promise<EntityMap[E][]>;
}

/** The three adapters, keyed by system. */
export type AdapterSet = Record<SourceSystem, SourceAdapter>;
