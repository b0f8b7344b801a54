import type { EntityMap, EntityType, Opportunity } from '../../canonical-schema';
import { createLogger, type Logger } from '../../lib';
import type { CallStats } from '../http/call-stats';
import type { SourceAdapter } from '../port';
import { chunk, unique } from '../shared/mapping';
import { accountToCustomer, opportunityToCanonical } from './crm-mapper';
import { ACCOUNT_FIELDS, OPPORTUNITY_FIELDS, accountWire, opportunityWire } from './crm-wire';
import { type SalesforceClient, isSalesforceId, soqlIn } from './salesforce-client';

/** Ids per SOQL `WHERE Id IN (...)` query (keeps the GET URL well under 16 KB). */
export const SOQL_IN_CHUNK = 500;

const CRM_ENTITIES = ['customer', 'opportunity'] as const;
type CrmEntity = (typeof CRM_ENTITIES)[number];

/**
 * The CRM system API: customers (Accounts) and opportunities, read through SOQL.
 * `fetchMany` costs one query per 500 ids.
 */
export class CrmAdapter implements SourceAdapter {
  readonly system = 'CRM' as const;
  readonly entities: readonly EntityType[] = CRM_ENTITIES;

  constructor(
    readonly client: SalesforceClient,
    protected readonly log: Logger = createLogger('adapter-crm'),
  ) {}

  async fetchMany<E extends EntityType>(entity: E, externalIds: readonly string[]): Promise<EntityMap[E][]> {
    const e = this.served(entity);
    const ids = unique(externalIds).filter(isSalesforceId);
    if (ids.length < externalIds.length) this.log.debug({ entity, dropped: externalIds.length - ids.length }, 'ignoring duplicate or malformed ids');
    const out: unknown[] = [];
    for (const part of chunk(ids, SOQL_IN_CHUNK)) out.push(...(await this.query(e, `WHERE ${soqlIn('Id', part)}`)));
    return out as EntityMap[E][];
  }

  async listAll<E extends EntityType>(entity: E): Promise<EntityMap[E][]> {
    return (await this.query(this.served(entity), 'ORDER BY Id')) as EntityMap[E][];
  }

  /** Call statistics of this adapter's vendor client. */
  stats(): CallStats {
    return this.client.http.stats();
  }

  resetStats(): void {
    this.client.http.resetStats();
  }

  private async query(entity: CrmEntity, clause: string): Promise<unknown[]> {
    if (entity === 'customer') {
      const rows = await this.client.queryAll(`SELECT ${ACCOUNT_FIELDS.join(', ')} FROM Account ${clause}`, accountWire);
      return rows.map(accountToCustomer);
    }
    const rows = await this.client.queryAll(`SELECT ${OPPORTUNITY_FIELDS.join(', ')} FROM Opportunity ${clause}`, opportunityWire);
    const out: Opportunity[] = [];
    const skipped: string[] = [];
    for (const row of rows) {
      const o = opportunityToCanonical(row);
      if (o) out.push(o);
      else skipped.push(row.Id);
    }
    if (skipped.length > 0) this.log.warn({ skipped: skipped.slice(0, 20), count: skipped.length }, 'skipping opportunities without an account');
    return out;
  }

  private served(entity: EntityType): CrmEntity {
    if ((CRM_ENTITIES as readonly string[]).includes(entity)) return entity as CrmEntity;
    throw new Error(`CRM is not the system of record for ${entity}`);
  }
}
