import type { EntityMap, EntityType } from '../../canonical-schema';
import { createLogger, type Logger } from '../../lib';
import type { CallStats } from '../http/call-stats';
import type { SourceAdapter } from '../port';
import { chunk, unique } from '../shared/mapping';
import { type KantataClient, KANTATA_ONLY_LIMIT, isKantataId, type KantataListParams } from './kantata-client';
import { timeEntryToCanonical, userToResource, workspaceResourceToAssignment } from './psa-mapper';
import type { KantataObject, KantataRecord, WorkspaceWire } from './psa-wire';

const PSA_ENTITIES = ['resource', 'assignment', 'timeEntry'] as const;
type PsaEntity = (typeof PSA_ENTITIES)[number];

const OBJECT_OF: Record<PsaEntity, KantataObject> = {
  resource: 'users',
  assignment: 'workspace_resources',
  timeEntry: 'time_entries',
};

/**
 * The PSA system API: resources (users), assignments (workspace resources) and
 * time entries. `fetchMany` costs one `only=` call per 1,000 ids (with
 * `per_page=1000` and, for assignments and time entries, `include=workspace`).
 * Records whose workspace has no ERP job (and assignments without role or bill
 * rate) cannot be canonical records and are skipped with a warning.
 */
export class PsaAdapter implements SourceAdapter {
  readonly system = 'PSA' as const;
  readonly entities: readonly EntityType[] = PSA_ENTITIES;

  constructor(
    readonly client: KantataClient,
    protected readonly log: Logger = createLogger('adapter-psa'),
  ) {}

  async fetchMany<E extends EntityType>(entity: E, externalIds: readonly string[]): Promise<EntityMap[E][]> {
    const e = this.served(entity);
    const ids = unique(externalIds).filter(isKantataId);
    if (ids.length < externalIds.length) this.log.debug({ entity, dropped: externalIds.length - ids.length }, 'ignoring duplicate or malformed ids');
    const out: unknown[] = [];
    for (const part of chunk(ids, KANTATA_ONLY_LIMIT)) {
      out.push(...(await this.read(e, { only: part, perPage: KANTATA_ONLY_LIMIT })));
    }
    return out as EntityMap[E][];
  }

  async listAll<E extends EntityType>(entity: E): Promise<EntityMap[E][]> {
    return (await this.read(this.served(entity), {})) as EntityMap[E][];
  }

  /** Call statistics of this adapter's vendor client. */
  stats(): CallStats {
    return this.client.http.stats();
  }

  resetStats(): void {
    this.client.http.resetStats();
  }

  private async read(entity: PsaEntity, params: Omit<KantataListParams, 'page'>): Promise<unknown[]> {
    const object = OBJECT_OF[entity];
    const include = entity === 'resource' ? undefined : ['workspace'];
    const { records, workspaces } = await this.client.listAll(object, { ...params, include });
    switch (entity) {
      case 'resource':
        return (records as KantataRecord<'users'>[]).map(userToResource);
      case 'assignment':
        return this.withWorkspace(entity, records as KantataRecord<'workspace_resources'>[], workspaces, workspaceResourceToAssignment);
      case 'timeEntry':
        return this.withWorkspace(entity, records as KantataRecord<'time_entries'>[], workspaces, timeEntryToCanonical);
    }
  }

  /** Maps records that need their workspace's ERP job; the rest are skipped with a warning. */
  private withWorkspace<R extends { id: string; workspace_id: string }, T>(
    entity: PsaEntity,
    records: readonly R[],
    workspaces: Record<string, WorkspaceWire>,
    map: (r: R, w: WorkspaceWire | undefined) => T | null,
  ): T[] {
    const out: T[] = [];
    const skipped: { id: string; workspaceId: string; reason: string }[] = [];
    for (const r of records) {
      const w = workspaces[r.workspace_id];
      const mapped = map(r, w);
      if (mapped !== null) out.push(mapped);
      else {
        const reason = !w ? 'workspace not side-loaded' : !w.external_reference ? 'workspace has no ERP job' : 'incomplete record';
        skipped.push({ id: r.id, workspaceId: r.workspace_id, reason });
      }
    }
    if (skipped.length > 0) {
      this.log.warn({ entity, skipped: skipped.slice(0, 20), count: skipped.length }, 'skipping PSA records that cannot be mapped');
    }
    return out;
  }

  private served(entity: EntityType): PsaEntity {
    if ((PSA_ENTITIES as readonly string[]).includes(entity)) return entity as PsaEntity;
    throw new Error(`PSA is not the system of record for ${entity}`);
  }
}
