import type { ZodType } from 'zod';
import type { Customer, EntityMap, EntityType } from '../../canonical-schema';
import { createLogger, type Logger } from '../../lib';
import type { CallStats } from '../http/call-stats';
import type { SourceAdapter } from '../port';
import { chunk, unique } from '../shared/mapping';
import { customerResolver, erpCustomerToCanonical, invoiceToCanonical, jobToProject, paymentToCanonical, type CustomerIdResolver } from './erp-mapper';
import { changeOrderRow, customerPaymentRow, customerRow, invoiceLineRow, invoiceRow, jobRow } from './erp-wire';
import { type NetSuiteClient, SUITEQL_PAGE_LIMIT, isNetSuiteId, suiteqlIn } from './netsuite-client';

const ERP_ENTITIES = ['project', 'invoice', 'payment'] as const;
type ErpEntity = (typeof ERP_ENTITIES)[number];

/** Options of the ERP adapter. */
export interface ErpAdapterOptions {
  /**
   * Today's date (`YYYY-MM-DD`), which decides whether an open invoice is OVERDUE.
   * @default the current UTC date
   */
  today?: () => string;
  logger?: Logger;
}

/**
 * The ERP system API: projects (jobs with their change orders), invoices (with
 * lines) and payments, read through SuiteQL. Per 1,000 ids, `fetchMany` costs one
 * query for the records, one for their children (change orders or invoice lines,
 * plus one per further 1,000 child rows) and one for the referenced customers'
 * Salesforce ids; payments have no children (two queries).
 */
export class ErpAdapter implements SourceAdapter {
  readonly system = 'ERP' as const;
  readonly entities: readonly EntityType[] = ERP_ENTITIES;
  protected readonly today: () => string;
  protected readonly log: Logger;

  constructor(
    readonly client: NetSuiteClient,
    options: ErpAdapterOptions = {},
  ) {
    this.today = options.today ?? (() => new Date().toISOString().slice(0, 10));
    this.log = options.logger ?? createLogger('adapter-erp');
  }

  async fetchMany<E extends EntityType>(entity: E, externalIds: readonly string[]): Promise<EntityMap[E][]> {
    const e = this.served(entity);
    const ids = unique(externalIds).filter(isNetSuiteId);
    if (ids.length < externalIds.length) this.log.debug({ entity, dropped: externalIds.length - ids.length }, 'ignoring duplicate or malformed ids');
    const out: unknown[] = [];
    for (const part of chunk(ids, SUITEQL_PAGE_LIMIT)) out.push(...(await this.read(e, `WHERE ${suiteqlIn('id', part)}`)));
    return out as EntityMap[E][];
  }

  async listAll<E extends EntityType>(entity: E): Promise<EntityMap[E][]> {
    return (await this.read(this.served(entity), 'ORDER BY id')) as EntityMap[E][];
  }

  /**
   * ERP customers by NetSuite id, in the ERP's view (no address or parent: those live
   * in the CRM). For customer master sync; the CRM remains the system of record.
   */
  async fetchCustomers(erpIds: readonly string[]): Promise<Customer[]> {
    const ids = unique(erpIds).filter(isNetSuiteId);
    const out: Customer[] = [];
    for (const part of chunk(ids, SUITEQL_PAGE_LIMIT)) {
      const rows = await this.client.suiteqlAll(`SELECT * FROM customer WHERE ${suiteqlIn('id', part)}`, customerRow);
      out.push(...rows.map(erpCustomerToCanonical));
    }
    return out;
  }

  /** Call statistics of this adapter's vendor client. */
  stats(): CallStats {
    return this.client.http.stats();
  }

  resetStats(): void {
    this.client.http.resetStats();
  }

  private async read(entity: ErpEntity, clause: string): Promise<unknown[]> {
    const c = this.client;
    switch (entity) {
      case 'project': {
        const jobs = await c.suiteqlAll(`SELECT * FROM job ${clause}`, jobRow);
        if (jobs.length === 0) return [];
        const [changeOrders, customerIdOf] = await Promise.all([
          this.children('customrecord_change_order', 'custrecord_co_job', jobs.map((j) => j.id), changeOrderRow),
          this.customers(jobs.map((j) => j.parent)),
        ]);
        return jobs.map((j) => jobToProject(j, changeOrders.get(j.id) ?? [], customerIdOf));
      }
      case 'invoice': {
        const invoices = await c.suiteqlAll(`SELECT * FROM invoice ${clause}`, invoiceRow);
        if (invoices.length === 0) return [];
        const [lines, customerIdOf] = await Promise.all([
          this.children('invoiceline', 'invoice', invoices.map((i) => i.id), invoiceLineRow),
          this.customers(invoices.map((i) => i.entity)),
        ]);
        const today = this.today();
        return invoices.map((i) => invoiceToCanonical(i, lines.get(i.id) ?? [], customerIdOf, today));
      }
      case 'payment': {
        const payments = await c.suiteqlAll(`SELECT * FROM customerpayment ${clause}`, customerPaymentRow);
        if (payments.length === 0) return [];
        const customerIdOf = await this.customers(payments.map((p) => p.customer));
        return payments.map((p) => paymentToCanonical(p, customerIdOf));
      }
    }
  }

  /** Child rows of `parentIds`, grouped by the parent column; one IN query per 1,000 parents. */
  private async children<T extends Record<string, unknown>>(
    table: string,
    parentColumn: string,
    parentIds: readonly string[],
    row: ZodType<T>,
  ): Promise<Map<string, T[]>> {
    const grouped = new Map<string, T[]>();
    for (const part of chunk(unique(parentIds), SUITEQL_PAGE_LIMIT)) {
      for (const r of await this.client.suiteqlAll(`SELECT * FROM ${table} WHERE ${suiteqlIn(parentColumn, part)}`, row)) {
        const key = String(r[parentColumn]);
        const list = grouped.get(key);
        if (list) list.push(r);
        else grouped.set(key, [r]);
      }
    }
    return grouped;
  }

  /** The canonical ids of referenced ERP customers, from their `externalid`; one IN query per 1,000. */
  protected async customers(erpIds: readonly string[]): Promise<CustomerIdResolver> {
    const ids = unique(erpIds).filter(isNetSuiteId);
    const rows: { id: string; externalid?: string }[] = [];
    for (const part of chunk(ids, SUITEQL_PAGE_LIMIT)) {
      rows.push(...(await this.client.suiteqlAll(`SELECT id, externalid FROM customer WHERE ${suiteqlIn('id', part)}`, customerRow)));
    }
    const found = new Set(rows.map((r) => r.id));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) this.log.warn({ missing }, 'referenced ERP customers not found; anchoring them on their ERP ids');
    return customerResolver(rows);
  }

  private served(entity: EntityType): ErpEntity {
    if ((ERP_ENTITIES as readonly string[]).includes(entity)) return entity as ErpEntity;
    throw new Error(`ERP is not the system of record for ${entity}`);
  }
}
