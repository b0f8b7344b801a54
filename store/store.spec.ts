import { ENTITY_TYPES, type EntityMap, type EntityType, type SourceSystem } from '../canonical-schema';
import { openStore, PARENT_FIELDS, type CachedRow, type Store } from './index';
import { dropSchema, postgresReachable, skipNotice, testSchemaName, urlWithSchema, world } from './test-support';

const SOURCE: Record<EntityType, SourceSystem> = {
  customer: 'CRM',
  opportunity: 'CRM',
  project: 'ERP',
  resource: 'PSA',
  assignment: 'PSA',
  timeEntry: 'PSA',
  invoice: 'ERP',
  payment: 'ERP',
};

interface Backend {
  name: string;
  skip: boolean;
  open(): Promise<{ store: Store; cleanup(): Promise<void> }>;
}

const pgReachable = postgresReachable();
if (!pgReachable) console.warn(skipNotice('canonical store'));

const backends: Backend[] = [
  {
    name: 'PGlite (in memory)',
    skip: false,
    async open() {
      return { store: await openStore({ memory: true }), cleanup: async () => undefined };
    },
  },
  {
    name: 'PostgreSQL (fresh schema)',
    skip: !pgReachable,
    async open() {
      const schema = testSchemaName();
      return { store: await openStore({ databaseUrl: urlWithSchema(schema) }), cleanup: () => dropSchema(schema) };
    },
  },
];

const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const values = <T>(rows: readonly CachedRow<T>[]) => rows.map((r) => r.value);

for (const backend of backends) {
  (backend.skip ? describe.skip : describe)(`canonical store on ${backend.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      ({ store, cleanup } = await backend.open());
    });
    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });
    beforeEach(async () => {
      for (const e of ENTITY_TYPES) await store.evict(e);
      await store.prisma.externalRef.deleteMany();
    });

    async function putWorld(w: { [E in EntityType]: EntityMap[E][] }, at: Date) {
      for (const e of ENTITY_TYPES) await store.putMany(e, w[e] as never, SOURCE[e], at);
    }

    test('writes and reads back every entity type exactly (putMany / getMany / count)', async () => {
      const w = world(14);
      const at = new Date('2026-11-01T12:34:56.789Z');
      await putWorld(w, at);
      for (const e of ENTITY_TYPES) {
        const list = w[e] as { id: string }[];
        const got = await store.getMany(e, [...list.map((v) => v.id), 'not-cached']);
        expect(got.size).toBe(list.length);
        expect(got.has('not-cached')).toBe(false);
        for (const v of list) {
          const row = got.get(v.id)!;
          expect(row.value).toEqual(v);
          expect(row.source).toBe(SOURCE[e]);
          expect(row.syncedAt.toISOString()).toBe(at.toISOString());
        }
        expect(await store.count(e)).toBe(list.length);
      }
      expect(await store.prisma.changeOrder.count()).toBe(w.project.reduce((n, p) => n + p.changeOrders.length, 0));
      expect(await store.prisma.invoiceLine.count()).toBe(w.invoice.reduce((n, i) => n + i.lines.length, 0));
      expect((await store.getMany('customer', [])).size).toBe(0);
    });

    test('childrenOf groups by every parent field, with equality filters', async () => {
      const w = world(20);
      await putWorld(w, new Date());
      const cases: { entity: EntityType; field: string; filter?: Record<string, string | boolean | null> }[] = [];
      for (const e of ENTITY_TYPES) for (const f of PARENT_FIELDS[e]) cases.push({ entity: e, field: f });
      cases.push(
        { entity: 'opportunity', field: 'customerId', filter: { stage: 'CLOSED_WON' } },
        { entity: 'project', field: 'customerId', filter: { status: 'ACTIVE' } },
        { entity: 'assignment', field: 'projectId', filter: { status: 'CONFIRMED' } },
        { entity: 'timeEntry', field: 'projectId', filter: { status: 'APPROVED' } },
        { entity: 'timeEntry', field: 'projectId', filter: { billable: true, invoiceId: null } },
        { entity: 'timeEntry', field: 'resourceId', filter: { status: 'INVOICED', billable: false } },
        { entity: 'invoice', field: 'customerId', filter: { status: 'ISSUED' } },
        { entity: 'invoice', field: 'projectId', filter: { number: null } },
        { entity: 'customer', field: 'parentId', filter: { currency: 'EUR' } },
        { entity: 'payment', field: 'invoiceId', filter: { date: '2026-03-03' } },
      );
      for (const c of cases) {
        const all = w[c.entity] as unknown as Record<string, unknown>[];
        const parents = [...new Set(all.map((v) => v[c.field]).filter((x): x is string => typeof x === 'string'))];
        const requested = [...parents, 'no-such-parent'];
        const got = await store.childrenOf(c.entity, c.field as never, requested, c.filter as never);
        expect([...got.keys()].sort()).toEqual([...requested].sort());
        for (const p of requested) {
          const expected = all
            .filter((v) => v[c.field] === p && Object.entries(c.filter ?? {}).every(([k, x]) => v[k] === x))
            .sort(byId as never);
          expect({ case: c, parent: p, rows: values(got.get(p)!).sort(byId as never) }).toEqual({ case: c, parent: p, rows: expected });
        }
      }
      // lists come back in a stable, meaningful order (time entries by date)
      const te = await store.childrenOf('timeEntry', 'projectId', [w.project[0].id]);
      const dates = te.get(w.project[0].id)!.map((r) => r.value.date);
      expect(dates).toEqual([...dates].sort());
      expect((await store.childrenOf('invoice', 'customerId', [])).size).toBe(0);
    });

    test('page walks customers and resources by (name, id) with filters and totals', async () => {
      const w = world(25);
      await store.putMany('customer', w.customer, 'CRM');
      await store.putMany('resource', w.resource, 'PSA');
      const sorted = [...w.customer].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : byId(a, b)));

      const seen: string[] = [];
      let after: { name: string; id: string } | null = null;
      for (let pages = 0; ; pages++) {
        const page: Awaited<ReturnType<Store['page']>> = await store.page('customer', { first: 7, after });
        expect(page.totalCount).toBe(25);
        seen.push(...page.rows.map((r) => r.value.id));
        if (!page.hasNextPage) {
          expect(pages).toBe(3);
          break;
        }
        const last = page.rows[page.rows.length - 1].value;
        after = { name: last.name, id: last.id };
      }
      expect(seen).toEqual(sorted.map((c) => c.id));

      const active = await store.page('customer', { first: 100, filter: { status: 'ACTIVE' } });
      expect(values(active.rows)).toEqual(sorted.filter((c) => c.status === 'ACTIVE'));
      expect(active.totalCount).toBe(sorted.filter((c) => c.status === 'ACTIVE').length);
      expect(active.hasNextPage).toBe(false);

      const eurActive = await store.page('customer', { first: 2, filter: { status: 'ACTIVE', currency: 'EUR' } });
      const expectedEur = sorted.filter((c) => c.status === 'ACTIVE' && c.currency === 'EUR');
      expect(eurActive.totalCount).toBe(expectedEur.length);
      expect(values(eurActive.rows)).toEqual(expectedEur.slice(0, 2));
      expect(eurActive.hasNextPage).toBe(expectedEur.length > 2);

      const named = await store.page('customer', { first: 100, filter: { nameContains: 'cUsToMeR 001' } });
      expect(named.rows.map((r) => r.value.name)).toEqual(sorted.filter((c) => /customer 001/i.test(c.name)).map((c) => c.name));
      expect(named.totalCount).toBe(10);
      expect((await store.page('customer', { first: 5, filter: { nameContains: '%' } })).totalCount).toBe(0);
      expect((await store.page('customer', { first: 5, filter: { nameContains: '_' } })).totalCount).toBe(0);

      const none = await store.page('customer', { first: 0 });
      expect(none).toEqual({ rows: [], hasNextPage: true, totalCount: 25 });

      const sap = await store.page('resource', { first: 3, filter: { skill: 'SAP' } });
      const withSap = w.resource.filter((r) => r.skills.includes('SAP')).sort((a, b) => (a.name < b.name ? -1 : 1));
      expect(sap.totalCount).toBe(withSap.length);
      expect(values(sap.rows)).toEqual(withSap.slice(0, 3));
      const rest = await store.page('resource', {
        first: 100,
        after: { name: sap.rows[2].value.name, id: sap.rows[2].value.id },
        filter: { skill: 'SAP' },
      });
      expect(values(rest.rows)).toEqual(withSap.slice(3));
      expect((await store.page('resource', { first: 5, filter: { skill: 'sap' } })).totalCount).toBe(0);
    });

    test('putMany replaces child lists; an older read never overwrites a newer row', async () => {
      const [p] = world(3).project.filter((x) => x.changeOrders.length === 2);
      const t1 = new Date('2026-11-01T00:00:00.000Z');
      await store.putMany('project', [p], 'ERP', t1);
      const changed = {
        ...p,
        name: 'Renamed',
        changeOrders: [
          { ...p.changeOrders[1], description: 'moved first' },
          { id: `${p.id}:new`, description: 'new', budgetDelta: { amount: '1.00', currency: 'USD' }, approvedAt: null },
          { id: `${p.id}:new2`, description: 'new2', budgetDelta: { amount: '2.00', currency: 'USD' }, approvedAt: null },
        ],
      };
      const t2 = new Date('2026-11-02T00:00:00.000Z');
      await store.putMany('project', [changed], 'ERP', t2);
      expect((await store.getMany('project', [p.id])).get(p.id)).toEqual({ value: changed, source: 'ERP', syncedAt: t2 });

      const shrunk = { ...changed, changeOrders: [changed.changeOrders[2]] };
      await store.putMany('project', [shrunk], 'ERP', t2);
      expect((await store.getMany('project', [p.id])).get(p.id)!.value).toEqual(shrunk);
      expect(await store.prisma.changeOrder.count()).toBe(1);

      // an older read is ignored, children included
      await store.putMany('project', [p], 'PSA', t1);
      expect((await store.getMany('project', [p.id])).get(p.id)).toEqual({ value: shrunk, source: 'ERP', syncedAt: t2 });
      // once marked stale, any write wins
      await store.markStale('project', [p.id]);
      await store.putMany('project', [p], 'PSA', t1);
      expect((await store.getMany('project', [p.id])).get(p.id)).toEqual({ value: p, source: 'PSA', syncedAt: t1 });

      const inv = world(4).invoice[3];
      expect(inv.lines).toHaveLength(3);
      await store.putMany('invoice', [inv], 'ERP');
      await store.putMany('invoice', [{ ...inv, lines: inv.lines.slice(1, 2) }], 'ERP');
      expect((await store.getMany('invoice', [inv.id])).get(inv.id)!.value.lines).toEqual(inv.lines.slice(1, 2));
      await store.putMany('invoice', [{ ...inv, lines: [] }], 'ERP');
      expect((await store.getMany('invoice', [inv.id])).get(inv.id)!.value.lines).toEqual([]);
      expect(await store.prisma.invoiceLine.count()).toBe(0);
    });

    test('concurrent writes of one project leave exactly one writer’s child list', async () => {
      const base = world(3).project[2];
      const variants = Array.from({ length: 8 }, (_, k) => ({
        ...base,
        name: `variant ${k}`,
        changeOrders: Array.from({ length: (k % 3) + 1 }, (_, j) => ({
          id: `${base.id}:v${k}:${j}`,
          description: `v${k} change ${j}`,
          budgetDelta: { amount: `${k}.0${j}`, currency: 'USD' },
          approvedAt: null,
        })),
      }));
      const at = new Date();
      await Promise.all(variants.map((v) => store.putMany('project', [v], 'ERP', at)));
      const got = (await store.getMany('project', [base.id])).get(base.id)!.value;
      const winner = variants.find((v) => v.name === got.name)!;
      expect(got).toEqual(winner);
      expect(await store.prisma.changeOrder.count()).toBe(winner.changeOrders.length);
    });

    test('concurrent putMany calls without syncedAt are written together: fewer statements, every row, the later call winning', async () => {
      const [p0, ...projects] = world(12).project;
      const before = Date.now();
      store.resetRoundTrips();
      const first = store.putMany('project', [p0], 'ERP');
      // these arrive while the first is being written: they share the next statement
      const rest = projects.map((p) => store.putMany('project', [p], 'ERP'));
      const same = store.putMany('project', [{ ...projects[3], name: 'renamed by a later call' }], 'ERP');
      await Promise.all([first, ...rest, same]);
      // the first alone, the other twelve together
      expect(store.roundTrips()).toBe(2 * (store.kind === 'postgres' ? 4 : 1));
      const got = await store.getMany('project', [p0, ...projects].map((p) => p.id));
      expect(got.size).toBe(12);
      expect(got.get(projects[3].id)!.value.name).toBe('renamed by a later call');
      expect(got.get(projects[5].id)!.value).toEqual(projects[5]);
      for (const row of got.values()) expect(row.syncedAt.getTime()).toBeGreaterThanOrEqual(before - 1);
    });

    test('a putMany the database refuses fails alone: the calls written with it are written', async () => {
      const [p0, ...projects] = world(6).project;
      const first = store.putMany('project', [p0], 'ERP');
      const rest = projects.map((p) => store.putMany('project', [p], 'ERP'));
      // passes the checks in JavaScript, fails in the database
      const bad = store.putMany('project', [{ ...projects[2], id: 'project-bad', startDate: '2026-13-45' }], 'ERP').then(() => 'written', (e: Error) => e.message);
      await Promise.all([first, ...rest]);
      expect(await bad).toMatch(/date|range/i);
      expect((await store.getMany('project', [p0, ...projects].map((p) => p.id))).size).toBe(6);
      expect((await store.getMany('project', ['project-bad'])).size).toBe(0);
    });

    test('concurrent externalIds calls of one entity share statements, and each caller gets exactly its own ids, in lists of its own', async () => {
      const customers = world(10).customer;
      await store.putMany('customer', customers, 'CRM', new Date());
      store.resetRoundTrips();
      const asks = customers.map((c, i) => [c.id, customers[(i + 1) % 10].id, 'customer-unknown']);
      const got = await Promise.all(asks.map((ids) => store.externalIds('customer', ids)));
      // PGlite: the first alone, the other nine together; PostgreSQL: four side by side, then the other six together
      expect(store.roundTrips()).toBeLessThanOrEqual(store.kind === 'postgres' ? 5 : 2);
      got.forEach((m, i) => {
        expect([...m.keys()].sort()).toEqual([customers[i].id, customers[(i + 1) % 10].id].sort());
        expect(m.get(customers[i].id)).toEqual(customers[i].externalIds);
      });
      // a caller changing its list changes no one else's
      got[0].get(customers[1].id)!.push({ system: 'PSA', id: 'mine' });
      expect(got[1].get(customers[1].id)).toEqual(customers[1].externalIds);
    });

    test('concurrent getMany calls of one entity share statements, and each caller gets exactly the ids it asked for', async () => {
      const customers = world(10).customer;
      await store.putMany('customer', customers, 'CRM', new Date());
      store.resetRoundTrips();
      const asks = customers.map((c, i) => [c.id, customers[(i + 1) % 10].id, 'customer-unknown']);
      const got = await Promise.all(asks.map((ids) => store.getMany('customer', ids)));
      // PGlite: the first alone, the other nine together; PostgreSQL: four side by side, then the other six together
      // (the row cache, where on, is cold: putMany clears it)
      expect(store.roundTrips()).toBeLessThanOrEqual(store.kind === 'postgres' ? 5 : 2);
      got.forEach((m, i) => {
        expect([...m.keys()].sort()).toEqual([customers[i].id, customers[(i + 1) % 10].id].sort());
        expect(m.get(customers[i].id)!.value).toEqual(customers[i]);
      });
    });

    test('a putMany with an explicit syncedAt keeps exactly that time', async () => {
      const [c] = world(1).customer;
      // later than the calls: were it grouped with the call queued beside it, the batch's (earliest) time would replace it
      const at = new Date(Date.now() + 86_400_000);
      const other = (k: number) => ({ ...c, id: `${c.id}-${k}`, externalIds: [] });
      await Promise.all([store.putMany('customer', [other(2)], 'CRM'), store.putMany('customer', [other(3)], 'CRM'), store.putMany('customer', [c], 'CRM', at)]);
      expect((await store.getMany('customer', [c.id])).get(c.id)!.syncedAt.toISOString()).toBe(at.toISOString());
    });

    test('duplicate ids in one putMany: the last one wins', async () => {
      const [a, b] = world(2).customer;
      await store.putMany('customer', [a, { ...b, id: a.id, externalIds: [] }, b], 'CRM');
      expect(await store.count('customer')).toBe(2);
      expect((await store.getMany('customer', [a.id])).get(a.id)!.value).toEqual({ ...b, id: a.id, externalIds: a.externalIds });
    });

    test('money is exact to the cent and dates stay calendar dates', async () => {
      const [o] = world(1).opportunity;
      const cases: [string, string][] = [
        ['12345678901234.56', '12345678901234.56'],
        ['-0.10', '-0.10'],
        ['1250', '1250.00'],
        ['0.005', '0.01'],
        ['0.1', '0.10'],
        ['99999999999999.99', '99999999999999.99'],
      ];
      const opps = cases.map(([amount], i) => ({
        ...o,
        id: `${o.id}-${i}`,
        amount: { amount, currency: 'JPY' },
        closeDate: i % 2 ? '2024-02-29' : '1999-12-31',
        externalIds: [],
      }));
      await store.putMany('opportunity', opps, 'CRM');
      const got = await store.getMany('opportunity', opps.map((x) => x.id));
      cases.forEach(([, expected], i) => {
        const v = got.get(`${o.id}-${i}`)!.value;
        expect(v.amount).toEqual({ amount: expected, currency: 'JPY' });
        expect(v.closeDate).toBe(i % 2 ? '2024-02-29' : '1999-12-31');
      });
      const typed = await store.prisma.opportunity.findUnique({ where: { id: `${o.id}-0` } });
      expect(typed!.amount.toFixed(2)).toBe('12345678901234.56');
    });

    test('external ids map both ways, and identity survives eviction', async () => {
      const w = world(6);
      await store.putMany('customer', w.customer, 'CRM');
      await store.putMany('project', w.project, 'ERP');
      const ids = w.customer.map((c) => c.id);
      const ext = await store.externalIds('customer', [...ids, 'unknown']);
      expect(ext.size).toBe(6);
      for (const c of w.customer) expect(ext.get(c.id)).toEqual(c.externalIds);
      const crm = w.customer.map((c) => c.externalIds[0].id);
      const back = await store.canonicalIds('customer', 'CRM', [...crm, 'nope']);
      expect([...back.entries()].sort()).toEqual(w.customer.map((c, i) => [crm[i], c.id]).sort());
      expect((await store.canonicalIds('project', 'CRM', crm)).size).toBe(0);
      expect((await store.canonicalIds('customer', 'ERP', [w.customer[0].externalIds[1].id])).get(w.customer[0].externalIds[1].id)).toBe(ids[0]);

      await store.evict('customer');
      expect(await store.count('customer')).toBe(0);
      expect((await store.getMany('customer', ids)).size).toBe(0);
      expect(await store.externalIds('customer', ids)).toEqual(ext);
      expect(await store.count('project')).toBe(6);

      // identity without a cached row; an external id re-pointed: the last link wins
      await store.linkExternalIds('customer', [
        { canonicalId: 'c-new', system: 'ERP', externalId: 'C-999' },
        { canonicalId: 'c-new', system: 'PSA', externalId: 'CL-1' },
        { canonicalId: ids[1], system: 'CRM', externalId: crm[0] },
      ]);
      expect(await store.externalIds('customer', ['c-new'])).toEqual(
        new Map([['c-new', [{ system: 'ERP', id: 'C-999' }, { system: 'PSA', id: 'CL-1' }]]]),
      );
      expect((await store.canonicalIds('customer', 'CRM', [crm[0]])).get(crm[0])).toBe(ids[1]);
      // a re-cached row shows every external id the map holds for it
      await store.putMany('customer', [{ ...w.customer[1], externalIds: [] }], 'CRM');
      expect((await store.getMany('customer', [ids[1]])).get(ids[1])!.value.externalIds).toEqual([
        { system: 'CRM', id: crm[0] },
        { system: 'CRM', id: crm[1] },
      ]);
    });

    test('markStale and evict', async () => {
      const w = world(8);
      const at = new Date('2026-10-10T10:10:10.100Z');
      await putWorld(w, at);
      const epoch = new Date(0).toISOString();

      await store.markStale('invoice', [w.invoice[0].id]);
      let inv = await store.getMany('invoice', w.invoice.map((i) => i.id));
      expect(inv.get(w.invoice[0].id)!.syncedAt.toISOString()).toBe(epoch);
      expect(inv.get(w.invoice[1].id)!.syncedAt.toISOString()).toBe(at.toISOString());
      await store.markStale('invoice');
      inv = await store.getMany('invoice', w.invoice.map((i) => i.id));
      expect([...inv.values()].every((r) => r.syncedAt.toISOString() === epoch)).toBe(true);
      expect(inv.get(w.invoice[3].id)!.value).toEqual(w.invoice[3]); // stale, not changed
      expect((await store.getMany('customer', [w.customer[0].id])).get(w.customer[0].id)!.syncedAt).toEqual(at);
      await store.markStale();
      for (const e of ENTITY_TYPES) {
        const rows = await store.getMany(e, (w[e] as { id: string }[]).map((v) => v.id));
        expect([...rows.values()].map((r) => r.syncedAt.toISOString())).toEqual(Array(8).fill(epoch));
      }

      const withCos = w.project.filter((p) => p.changeOrders.length > 0);
      await store.evict('project', [withCos[0].id, 'not-cached']);
      expect(await store.count('project')).toBe(7);
      expect(await store.prisma.changeOrder.count()).toBe(
        w.project.reduce((n, p) => n + p.changeOrders.length, 0) - withCos[0].changeOrders.length,
      );
      await store.evict('project', []);
      expect(await store.count('project')).toBe(7);
      await store.evict('invoice');
      expect(await store.count('invoice')).toBe(0);
      expect(await store.prisma.invoiceLine.count()).toBe(0);
      expect((await store.externalIds('invoice', w.invoice.map((i) => i.id))).size).toBe(8);
      expect((await store.externalIds('project', [withCos[0].id])).size).toBe(1);
    });

    test('round trips are constant: 10 rows cost what 500 rows cost', async () => {
      const measure = async (fn: () => Promise<unknown>) => {
        store.resetRoundTrips();
        await fn();
        return store.roundTrips();
      };
      const small = world(10, 's');
      const large = world(500, 'l');
      const counts: Record<string, number[]> = {};
      const note = (k: string, n: number) => (counts[k] ??= []).push(n);
      for (const w of [small, large]) {
        for (const e of ENTITY_TYPES) {
          const list = w[e] as { id: string }[];
          note(`putMany ${e}`, await measure(() => store.putMany(e, list as never, SOURCE[e])));
          note(`getMany ${e}`, await measure(() => store.getMany(e, list.map((v) => v.id))));
          note(`externalIds ${e}`, await measure(() => store.externalIds(e, list.map((v) => v.id))));
          note(`markStale ${e}`, await measure(() => store.markStale(e, list.map((v) => v.id))));
          note(`count ${e}`, await measure(() => store.count(e)));
          for (const f of PARENT_FIELDS[e]) {
            const parents = (list as unknown as Record<string, string | null>[]).map((v) => v[f]).filter((x): x is string => !!x);
            note(`childrenOf ${e}.${f}`, await measure(() => store.childrenOf(e, f as never, parents)));
          }
        }
        note('canonicalIds', await measure(() => store.canonicalIds('project', 'ERP', w.project.map((p) => p.externalIds[0].id))));
        note('page customer', await measure(() => store.page('customer', { first: 50, filter: { nameContains: 'customer' } })));
        note('page resource', await measure(() => store.page('resource', { first: 50, filter: { skill: 'SAP' } })));
        note('evict timeEntry', await measure(() => store.evict('timeEntry', w.timeEntry.map((t) => t.id))));
      }
      const expected: Record<string, number> = {};
      // a parent with a child list: one statement on PGlite (it runs one at a time); on PostgreSQL
      // a transaction of two (BEGIN, rows, children, COMMIT), so no concurrent writer slips a child in
      for (const k of Object.keys(counts)) expected[k] = /^putMany (project|invoice)$/.test(k) && store.kind === 'postgres' ? 4 : 1;
      const firsts = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v[0]]));
      const seconds = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v[1]]));
      expect(firsts).toEqual(expected);
      expect(seconds).toEqual(expected);
      expect(await store.count('invoice')).toBe(510);
    });

    test('rejects arguments it cannot serve, naming them', async () => {
      await expect(store.getMany('vendor' as EntityType, ['x'])).rejects.toThrow(/unknown entity type "vendor"/);
      await expect(store.childrenOf('resource', 'projectId' as never, ['x'])).rejects.toThrow(/childrenOf\(resource\) groups by nothing/);
      await expect(store.childrenOf('invoice', 'resourceId' as never, ['x'])).rejects.toThrow(/customerId or projectId/);
      await expect(store.childrenOf('invoice', 'customerId', ['x'], { total: 'x' } as never)).rejects.toThrow(/cannot filter invoice by "total"/);
      await expect(store.page('customer', { first: -1 })).rejects.toThrow(/first must be/);
      await expect(store.putMany('customer', [{ id: '' } as never], 'CRM')).rejects.toThrow(/needs a string id/);
      await expect(store.putMany('customer', world(1).customer, 'SAP' as SourceSystem)).rejects.toThrow(/unknown source system/);
    });
  });
}
