/**
 * The audit log's writes on a real store (PGlite, and PostgreSQL when reachable):
 * requests finishing together share INSERTs (lib/group-commit.ts), every entry is
 * written exactly once and in its request's order, and a request whose entries
 * cannot be written fails alone.
 */
import type { Store } from '../../../store';
import { observeRaw, storeVariants } from '../../../store/test-support';
import { createAuditLog, type AuditRecord } from './audit';

const variants = storeVariants('audit log');

/** The store, with the audit log's INSERTs counted (it writes through store.raw). */
function counting(store: Store): { store: Store; inserts: () => number } {
  let n = 0;
  return { store: observeRaw(store, (sql) => void (/^\s*INSERT INTO audit_entry/.test(sql) && n++)), inserts: () => n };
}

const entry = (request: number, i: number, over: Partial<AuditRecord> = {}): AuditRecord => ({
  kind: 'MUTATION',
  caller: `caller-${request}`,
  roles: ['integrator'],
  operation: `Mutation.op${i}`,
  arguments: { request, i },
  outcome: 'OK',
  detail: null,
  transactionId: null,
  requestId: `req-${request}`,
  traceId: null,
  ...over,
});

for (const v of variants) {
  (v.skip ? describe.skip : describe)(`audit log on ${v.name}`, () => {
    let base: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store: base, cleanup } = await v.open());
    });
    afterAll(async () => {
      await base?.close();
      await cleanup?.();
    });

    it('writes 40 concurrent requests exactly once each, in fewer INSERTs than requests, each request in its own order', async () => {
      const { store, inserts } = counting(base);
      const audit = createAuditLog(store);
      await Promise.all(Array.from({ length: 40 }, (_, r) => audit.record([entry(r, 0), entry(r, 1), entry(r, 2)])));
      expect(inserts()).toBeGreaterThanOrEqual(2);
      expect(inserts()).toBeLessThan(40);
      const rows = await base.raw<{ id: string; request_id: string; operation: string }>(
        `SELECT id::text AS id, request_id, operation FROM audit_entry WHERE request_id LIKE 'req-%' ORDER BY id`,
      );
      expect(rows).toHaveLength(120);
      const byRequest = new Map<string, string[]>();
      for (const r of rows) byRequest.set(r.request_id, [...(byRequest.get(r.request_id) ?? []), r.operation]);
      expect(byRequest.size).toBe(40);
      for (const ops of byRequest.values()) expect(ops).toEqual(['Mutation.op0', 'Mutation.op1', 'Mutation.op2']);
      // the auditLog query reads them back newest first
      const page = await audit.list({ first: 3, caller: 'caller-7' });
      expect(page.nodes.map((n) => n.operation)).toEqual(['Mutation.op2', 'Mutation.op1', 'Mutation.op0']);
    });

    it('a request whose entry cannot be written fails alone: the requests batched with it are written', async () => {
      const { store } = counting(base);
      const audit = createAuditLog(store);
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, r) => audit.record([entry(100 + r, 0, r === 5 ? { caller: null as unknown as string } : {})])),
      );
      expect(results.map((x) => x.status)).toEqual(Array.from({ length: 12 }, (_, r) => (r === 5 ? 'rejected' : 'fulfilled')));
      expect(String((results[5] as PromiseRejectedResult).reason)).toMatch(/caller|null/i);
      const rows = await base.raw<{ request_id: string }>(`SELECT request_id FROM audit_entry WHERE caller LIKE 'caller-1__' ORDER BY request_id`);
      expect(rows.map((r) => r.request_id)).toEqual(
        Array.from({ length: 12 }, (_, r) => 100 + r)
          .filter((r) => r !== 105)
          .map((r) => `req-${r}`),
      );
    });
  });
}
