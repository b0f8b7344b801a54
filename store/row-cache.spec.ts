import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { AdapterSet, SourceAdapter } from '../adapters/port';
import { CanonicalCache } from '../cache/read-through';
import type { EntityMap, EntityType, SourceSystem } from '../canonical-schema';
import { openStore, type Store } from './index';
import { entitiesWrittenBy, RowCache, WriteTracker } from './row-cache';
import { world } from './test-support';

const silent = pino({ level: 'silent' });

describe('entitiesWrittenBy', () => {
  test('reads change nothing; writes change the entities whose tables they name', () => {
    expect(entitiesWrittenBy('SELECT * FROM project WHERE customer_id = $1')).toEqual([]);
    expect(entitiesWrittenBy('UPDATE "public"."project" SET "status" = $1 WHERE "id" = $2')).toEqual(['project']);
    expect(entitiesWrittenBy('DELETE FROM invoice_line WHERE invoice_id = $1')).toEqual(['invoice']);
    expect(entitiesWrittenBy('INSERT INTO change_order (id) VALUES ($1)')).toEqual(['project']);
    expect(entitiesWrittenBy('DELETE FROM "public"."external_ref"').length).toBe(8);
    // a column or type that merely starts with a table name is not the table
    expect(entitiesWrittenBy('UPDATE sync_outbox SET project_id = $1, status = $2::project_status')).toEqual([]);
    expect(entitiesWrittenBy('INSERT INTO sync_transaction (id) VALUES ($1) ON CONFLICT DO NOTHING')).toEqual([]);
  });
});

describe('RowCache', () => {
  test('forgets an entity on invalidation: its lists, and its rows (only the ids given)', () => {
    const c = new RowCache<{ value: { id: string } }>(100);
    c.putRows('project', [['a', { value: { id: 'a' } }], ['b', { value: { id: 'b' } }]]);
    c.putList('project', 'k', { ids: ['a', 'b'] });
    c.putRows('invoice', [['i', { value: { id: 'i' } }]]);
    expect(c.list('project', 'k')?.rows.map((r) => r.value.id)).toEqual(['a', 'b']);
    c.invalidate(['project'], ['a']);
    expect(c.list('project', 'k')).toBeUndefined();
    expect(c.row('project', 'a')).toBeUndefined();
    expect(c.row('project', 'b')).toBeDefined();
    expect(c.row('invoice', 'i')).toBeDefined();
    c.invalidate(['project']);
    expect(c.row('project', 'b')).toBeUndefined();
    expect(c.stats().entries).toBe(1);
  });

  test('stays within its bound and freezes what it shares', () => {
    const c = new RowCache<{ value: { id: string; tags: string[] } }>(10);
    c.putRows('timeEntry', Array.from({ length: 25 }, (_, i) => [`t${i}`, { value: { id: `t${i}`, tags: ['x'] } }] as [string, { value: { id: string; tags: string[] } }]));
    expect(c.stats().entries).toBeLessThanOrEqual(10);
    const kept = c.row('timeEntry', 't24')!;
    expect(Object.isFrozen(kept.value.tags)).toBe(true);
    // a list whose rows were dropped is a miss, not a partial answer
    c.putList('timeEntry', 'all', { ids: ['t0', 't24'] });
    expect(c.list('timeEntry', 'all')).toBeUndefined();
  });

  test('a read that raced a write may not fill the cache', () => {
    const t = new WriteTracker();
    const before = t.snapshot('project');
    const end = t.begin(['project']);
    expect(t.snapshot('project')).toBeUndefined(); // a write is open
    expect(t.unchanged('project', before)).toBe(false);
    end();
    expect(t.unchanged('project', before)).toBe(false); // it happened while the read ran
    const after = t.snapshot('project');
    expect(t.unchanged('project', after)).toBe(true);
    expect(t.unchanged('invoice', t.snapshot('invoice'))).toBe(true);
  });
});

describe('the store with its row cache (PGlite)', () => {
  let store: Store;
  const w = world(6, 'rc');
  const at = new Date('2026-01-01T00:00:00.000Z');

  beforeAll(async () => {
    store = await openStore({ memory: true, logger: silent });
  });
  afterAll(async () => {
    await store?.close();
  });
  beforeEach(async () => {
    for (const e of ['customer', 'project', 'invoice'] as const) await store.evict(e);
    await store.putMany('customer', w.customer, 'CRM', at);
    await store.putMany('project', w.project, 'ERP', at);
    await store.putMany('invoice', w.invoice, 'ERP', at);
  });

  const trips = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
    store.resetRoundTrips();
    const r = await fn();
    return [r, store.roundTrips()];
  };

  test('a repeated read is served from memory and answers what the database answers', async () => {
    const ids = w.project.map((p) => p.id);
    const [first, n1] = await trips(() => store.getMany('project', ids));
    const [second, n2] = await trips(() => store.getMany('project', ids));
    expect(n1).toBe(1);
    expect(n2).toBe(0);
    expect(second).toEqual(first);
    const parents = w.customer.map((c) => c.id);
    const [kids1, k1] = await trips(() => store.childrenOf('project', 'customerId', parents));
    const [kids2, k2] = await trips(() => store.childrenOf('project', 'customerId', parents));
    expect([k1, k2]).toEqual([1, 0]);
    expect(kids2).toEqual(kids1);
    const [page1, p1] = await trips(() => store.page('customer', { first: 3, filter: { status: undefined } }));
    const [page2, p2] = await trips(() => store.page('customer', { first: 3 }));
    expect([p1, p2]).toEqual([1, 0]);
    expect(page2).toEqual(page1);
    // a parent not read before costs one round trip for it alone
    const [, k3] = await trips(() => store.childrenOf('project', 'customerId', [...parents, 'new-parent']));
    expect(k3).toBe(1);
  });

  test("the store's own writes invalidate: putMany, markStale, evict, linkExternalIds", async () => {
    const p = w.project[0];
    await store.getMany('project', [p.id]);
    await store.childrenOf('project', 'customerId', [p.customerId]);
    const renamed = { ...p, name: 'Renamed', customerId: w.customer[1].id };
    const later = new Date(at.getTime() + 1000);
    await store.putMany('project', [renamed], 'ERP', later);
    expect((await store.getMany('project', [p.id])).get(p.id)).toEqual({ value: renamed, source: 'ERP', syncedAt: later });
    // list membership follows the write
    const lists = await store.childrenOf('project', 'customerId', [p.customerId, renamed.customerId]);
    expect(lists.get(p.customerId)!.some((r) => r.value.id === p.id)).toBe(p.customerId === renamed.customerId);
    expect(lists.get(renamed.customerId)!.some((r) => r.value.id === p.id)).toBe(true);

    await store.markStale('project', [p.id]);
    expect((await store.getMany('project', [p.id])).get(p.id)!.syncedAt.getTime()).toBe(0);
    await store.markStale();
    expect((await store.page('customer', { first: 1 })).rows[0].syncedAt.getTime()).toBe(0);

    await store.linkExternalIds('project', [{ canonicalId: p.id, system: 'PSA', externalId: 'ws-rc-1' }]);
    expect((await store.getMany('project', [p.id])).get(p.id)!.value.externalIds).toContainEqual({ system: 'PSA', id: 'ws-rc-1' });

    await store.evict('project', [p.id]);
    expect((await store.getMany('project', [p.id])).size).toBe(0);
  });

  test('writes by other code through store.prisma invalidate too (typed client, raw SQL, transactions)', async () => {
    const inv = w.invoice[0];
    await store.getMany('invoice', [inv.id]);
    await store.prisma.invoice.update({ where: { id: inv.id }, data: { status: 'VOID' } });
    expect((await store.getMany('invoice', [inv.id])).get(inv.id)!.value.status).toBe('VOID');

    await store.prisma.$executeRawUnsafe(`UPDATE invoice SET number = 'RAW-1' WHERE id = $1`, inv.id);
    expect((await store.getMany('invoice', [inv.id])).get(inv.id)!.value.number).toBe('RAW-1');

    await store.prisma.$executeRawUnsafe(`DELETE FROM invoice_line WHERE invoice_id = $1`, inv.id);
    expect((await store.getMany('invoice', [inv.id])).get(inv.id)!.value.lines).toEqual([]);

    // a read while a transaction that wrote is open is answered but not kept
    const [, n] = await trips(async () => {
      await store.prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`UPDATE invoice SET number = 'TX-1' WHERE id = $1`, inv.id);
      });
      return store.getMany('invoice', [inv.id]);
    });
    expect(n).toBe(4); // BEGIN, UPDATE, COMMIT, and the read: nothing served from before the write
    expect((await store.getMany('invoice', [inv.id])).get(inv.id)!.value.number).toBe('TX-1');
  });

  test('stores opened on one data directory share invalidation', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tandem-rowcache-'));
    const a = await openStore({ dataDir: dir, logger: silent });
    const b = await openStore({ dataDir: dir, logger: silent });
    try {
      const c = w.customer[0];
      await a.putMany('customer', [c], 'CRM', at);
      expect((await b.getMany('customer', [c.id])).get(c.id)!.value.name).toBe(c.name);
      await a.putMany('customer', [{ ...c, name: 'Changed by A' }], 'CRM', new Date(at.getTime() + 1));
      expect((await b.getMany('customer', [c.id])).get(c.id)!.value.name).toBe('Changed by A');
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a store without a row cache always reads the database', async () => {
    const plain = await openStore({ memory: true, rowCache: false, logger: silent });
    try {
      await plain.putMany('customer', w.customer.slice(0, 1), 'CRM', at);
      plain.resetRoundTrips();
      await plain.getMany('customer', [w.customer[0].id]);
      await plain.getMany('customer', [w.customer[0].id]);
      expect(plain.roundTrips()).toBe(2);
    } finally {
      await plain.close();
    }
  });

  test('freshness is still decided from syncedAt: a row marked stale in the store is read through again', async () => {
    const c = w.customer[0];
    const calls: string[][] = [];
    const crm: SourceAdapter = {
      system: 'CRM',
      entities: ['customer', 'opportunity'],
      async fetchMany<E extends EntityType>(_entity: E, externalIds: readonly string[]) {
        calls.push([...externalIds]);
        return [{ ...c, name: 'From CRM' }] as unknown as EntityMap[E][];
      },
      async listAll() {
        return [];
      },
    };
    const none = (system: SourceSystem): SourceAdapter => ({
      system,
      entities: [],
      fetchMany: async () => [],
      listAll: async () => [],
    });
    const ttl = { customer: 3600, opportunity: 3600, project: 3600, resource: 3600, assignment: 3600, timeEntry: 3600, invoice: 3600, payment: 3600 };
    const adapters: AdapterSet = { CRM: crm, ERP: none('ERP'), PSA: none('PSA') };
    const cache = new CanonicalCache(store, adapters, ttl, silent);
    await store.putMany('customer', [c], 'CRM', new Date());
    const [warm] = await cache.read('customer', [c.id]);
    expect(warm).toMatchObject({ value: { name: c.name }, freshness: { stale: false } });
    expect(calls).toEqual([]);
    await store.markStale('customer', [c.id]);
    const [refreshed] = await cache.read('customer', [c.id]);
    expect(calls).toHaveLength(1);
    expect(refreshed).toMatchObject({ value: { name: 'From CRM' }, freshness: { stale: false } });
    // and a row past its budget is reported stale when its system fails
    await store.markStale('customer', [c.id]);
    crm.fetchMany = async () => {
      throw Object.assign(new Error('down'), { kind: 'unavailable' });
    };
    const failures: unknown[] = [];
    const [served] = await cache.read('customer', [c.id], { onFailure: (f) => failures.push(f) });
    expect(served).toMatchObject({ value: { name: 'From CRM' }, freshness: { stale: true } });
    expect(failures).toHaveLength(1);
  });
});
