/**
 * Helpers for the store's tests: PostgreSQL reachability and per-run schemas,
 * and canonical fixtures covering every entity type. No jest globals here.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import {
  canonicalId,
  type Assignment,
  type Customer,
  type EntityMap,
  type EntityType,
  type Invoice,
  type Opportunity,
  type Payment,
  type Project,
  type Resource,
  type TimeEntry,
} from '../canonical-schema';
import { openStore, type Store } from './store';

/** The PostgreSQL server the PG variants of the tests use (database must exist). */
export const PG_TEST_URL = process.env.TANDEM_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

let reachable: boolean | undefined;

/**
 * Whether PG_TEST_URL accepts connections, decided synchronously (so suites can
 * choose describe or describe.skip) by a short-lived child process.
 * TANDEM_TEST_PG=0 turns the PostgreSQL variants off.
 */
export function postgresReachable(): boolean {
  if (reachable !== undefined) return reachable;
  if (process.env.TANDEM_TEST_PG === '0') return (reachable = false);
  const code = `
    const { Client } = require(${JSON.stringify(require.resolve('pg'))});
    const c = new Client({ connectionString: process.env.URL, connectionTimeoutMillis: 2000 });
    c.connect().then(() => c.query('SELECT 1')).then(() => c.end()).then(() => process.exit(0), () => process.exit(1));`;
  const r = spawnSync(process.execPath, ['-e', code], { env: { ...process.env, URL: PG_TEST_URL }, timeout: 5000 });
  reachable = r.status === 0;
  return reachable;
}

export function skipNotice(suite: string): string {
  if (process.env.TANDEM_TEST_PG === '0') return `PostgreSQL variant of "${suite}" SKIPPED: TANDEM_TEST_PG=0`;
  return `PostgreSQL variant of "${suite}" SKIPPED: no PostgreSQL server reachable at ${PG_TEST_URL} (set TANDEM_TEST_DATABASE_URL to one, or TANDEM_TEST_PG=0)`;
}

/** A fresh schema name for one test run. */
export function testSchemaName(): string {
  return `tandem_test_${randomBytes(5).toString('hex')}`;
}

/** PG_TEST_URL pointing at `schema` (created by the migrator on first open). */
export function urlWithSchema(schema: string, base = PG_TEST_URL): string {
  const u = new URL(base);
  u.searchParams.set('schema', schema);
  return u.toString();
}

export async function dropSchema(schema: string, base = PG_TEST_URL): Promise<void> {
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await c.end();
  }
}

export interface StoreVariant {
  name: 'PGlite' | 'PostgreSQL';
  skip: boolean;
  open: () => Promise<{ store: Store; cleanup: () => Promise<void> }>;
}

/**
 * The two stores a suite runs on: in-memory PGlite, and PostgreSQL in a fresh
 * schema (skipped, with skipNotice(suite) printed, when none is reachable).
 */
export function storeVariants(suite: string): StoreVariant[] {
  const silent = pino({ level: 'silent' });
  const pgUp = postgresReachable();
  if (!pgUp) console.warn(skipNotice(suite));
  return [
    { name: 'PGlite', skip: false, open: async () => ({ store: await openStore({ memory: true, logger: silent }), cleanup: async () => undefined }) },
    {
      name: 'PostgreSQL',
      skip: !pgUp,
      open: async () => {
        const s = testSchemaName();
        return { store: await openStore({ databaseUrl: urlWithSchema(s), logger: silent }), cleanup: () => dropSchema(s) };
      },
    },
  ];
}

/**
 * The store, with every `raw` and `rawBackground` statement and the rows it returned
 * shown to `observe` (tests that count what a component sends: the audit log, the
 * workers' claims, the engine's submits, the event relay's passes).
 */
export function observeRaw(store: Store, observe: (sql: string, rows: readonly unknown[]) => void): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== 'raw' && prop !== 'rawBackground') return Reflect.get(target, prop, receiver) as unknown;
      const send = prop === 'raw' ? target.raw.bind(target) : target.rawBackground.bind(target);
      return async (sql: string, ...params: unknown[]) => {
        const rows = await send(sql, ...params);
        observe(sql, rows);
        return rows;
      };
    },
  });
}

// ------------------------------------------------------------------ fixtures

const CUSTOMER_STATUSES = ['PROSPECT', 'ACTIVE', 'ON_HOLD', 'INACTIVE'] as const;
const SKILLS = ['TypeScript', 'SAP', 'Salesforce', 'Data', 'PM'] as const;

const money = (cents: number, currency = 'USD') => ({
  amount: `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`,
  currency,
});
const day = (i: number) => `2026-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`;

/**
 * A consistent little world with `n` of each entity, in the exact shape the
 * store returns (2-decimal amounts, null postal codes, external ids sorted by
 * system), so a read back must equal what was written. Alternates nulls.
 */
export function world(n: number, tag = 'w'): { [E in EntityType]: EntityMap[E][] } {
  const id = (e: EntityType, i: number) => canonicalId(e, `${tag}-${e}-${i}`);
  const customer: Customer[] = [];
  const opportunity: Opportunity[] = [];
  const project: Project[] = [];
  const resource: Resource[] = [];
  const assignment: Assignment[] = [];
  const timeEntry: TimeEntry[] = [];
  const invoice: Invoice[] = [];
  const payment: Payment[] = [];
  for (let i = 0; i < n; i++) {
    const odd = i % 2 === 1;
    const cur = i % 3 === 0 ? 'EUR' : 'USD';
    customer.push({
      id: id('customer', i),
      name: `${tag.toUpperCase()} Customer ${String(i).padStart(4, '0')}`,
      legalName: odd ? null : `${tag} Customer ${i} Ltd`,
      legalEntity: odd ? null : 'US01',
      taxId: i % 5 === 4 ? null : `TAX-${i}`,
      currency: cur,
      status: CUSTOMER_STATUSES[i % CUSTOMER_STATUSES.length],
      billingAddress: i % 4 === 3 ? null : { line1: `${i} Main St`, city: 'Springfield', postalCode: odd ? null : `0${i}`, country: 'US' },
      parentId: i > 0 && i % 7 === 0 ? id('customer', 0) : null,
      externalIds: odd
        ? [{ system: 'CRM', id: `001${tag}${i}` }]
        : [
            { system: 'CRM', id: `001${tag}${i}` },
            { system: 'ERP', id: `C-${tag}-${i}` },
          ],
    });
    opportunity.push({
      id: id('opportunity', i),
      name: `Opp ${i}`,
      customerId: id('customer', i % Math.max(1, Math.ceil(n / 2))),
      stage: odd ? 'CLOSED_WON' : 'PROPOSAL',
      amount: money(1_000_000 + i * 101, cur),
      closeDate: odd ? null : day(i),
      serviceLine: odd ? null : 'Advisory',
      projectId: odd ? id('project', i) : null,
      externalIds: [{ system: 'CRM', id: `006${tag}${i}` }],
    });
    project.push({
      id: id('project', i),
      code: `PRJ-${tag}-${String(i).padStart(4, '0')}`,
      name: `Project ${i}`,
      customerId: id('customer', i % Math.max(1, Math.ceil(n / 2))),
      opportunityId: odd ? id('opportunity', i) : null,
      status: odd ? 'ACTIVE' : 'PLANNED',
      contractType: (['TIME_AND_MATERIALS', 'FIXED_FEE', 'RETAINER'] as const)[i % 3],
      budget: odd ? null : money(5_000_000 + i, cur),
      startDate: odd ? null : day(i),
      endDate: odd ? null : day(i + 3),
      changeOrders: Array.from({ length: i % 3 }, (_, k) => ({
        id: `${id('project', i)}:co${k}`,
        description: `Change ${k}`,
        budgetDelta: money((k + 1) * 12_345 * (k === 1 ? -1 : 1), cur),
        approvedAt: k === 0 ? `2026-0${(i % 9) + 1}-15T10:20:30.123Z` : null,
      })),
      externalIds: [
        { system: 'ERP', id: `JOB-${tag}-${i}` },
        { system: 'PSA', id: `WS-${tag}-${i}` },
      ],
    });
    resource.push({
      id: id('resource', i),
      name: `Person ${String(i).padStart(4, '0')}`,
      email: `person${i}@${tag}.example`,
      title: odd ? null : 'Consultant',
      skills: odd ? [] : [SKILLS[i % SKILLS.length], SKILLS[(i + 1) % SKILLS.length]],
      billRate: odd ? null : money(15_000 + i, cur),
      costRate: i % 3 === 2 ? null : money(9_000 + i, cur),
      externalIds: [{ system: 'PSA', id: `U-${tag}-${i}` }],
    });
    assignment.push({
      id: id('assignment', i),
      projectId: id('project', i % Math.max(1, Math.ceil(n / 3))),
      resourceId: id('resource', i),
      role: odd ? 'Lead' : 'Developer',
      plannedHours: 40 + i + 0.25,
      billRate: money(15_000 + i, cur),
      status: odd ? 'CONFIRMED' : 'PROPOSED',
      externalIds: [{ system: 'PSA', id: `A-${tag}-${i}` }],
    });
    timeEntry.push({
      id: id('timeEntry', i),
      resourceId: id('resource', i % Math.max(1, Math.ceil(n / 2))),
      projectId: id('project', i % Math.max(1, Math.ceil(n / 3))),
      date: day(i),
      hours: (i % 8) + 0.5,
      billable: !odd,
      status: (['DRAFT', 'SUBMITTED', 'APPROVED', 'INVOICED'] as const)[i % 4],
      notes: odd ? null : `worked on ${i}`,
      invoiceId: i % 4 === 3 ? id('invoice', i % Math.max(1, n)) : null,
      externalIds: [{ system: 'PSA', id: `T-${tag}-${i}` }],
    });
    invoice.push({
      id: id('invoice', i),
      number: odd ? null : `INV-${tag}-${i}`,
      customerId: id('customer', i % Math.max(1, Math.ceil(n / 2))),
      projectId: i % 5 === 4 ? null : id('project', i % Math.max(1, Math.ceil(n / 3))),
      status: (['DRAFT', 'ISSUED', 'PARTIALLY_PAID', 'PAID', 'OVERDUE', 'VOID', 'BLOCKED'] as const)[i % 7],
      issueDate: odd ? null : day(i),
      dueDate: odd ? null : day(i + 1),
      total: money(100_000 + i, cur),
      balance: money(odd ? 0 : 50_000 + i, cur),
      lines: Array.from({ length: i % 4 }, (_, k) => ({
        description: `Line ${k}`,
        resourceId: k === 0 ? null : id('resource', i),
        hours: k === 0 ? null : k * 1.5,
        rate: k === 0 ? null : money(15_000, cur),
        amount: money(k === 0 ? 999 : k * 22_500, cur),
      })),
      blockedReason: i % 7 === 6 ? 'missing tax id' : null,
      externalIds: [{ system: 'ERP', id: `INV-${tag}-${i}` }],
    });
    payment.push({
      id: id('payment', i),
      invoiceId: id('invoice', i),
      customerId: id('customer', i % Math.max(1, Math.ceil(n / 2))),
      amount: money(25_000 + i, cur),
      date: day(i),
      externalIds: [{ system: 'ERP', id: `PAY-${tag}-${i}` }],
    });
  }
  return { customer, opportunity, project, resource, assignment, timeEntry, invoice, payment };
}
