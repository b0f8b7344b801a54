import { openStore } from '../store';
import pino from 'pino';
(async () => {
  const store: any = await openStore({ memory: true, thread: false, logger: pino({ level: 'silent' }) } as any);
  let captured: { sql: string; params: unknown[] } | undefined;
  const origQuery = store.query.bind(store);
  store.query = (sql: string, ...params: unknown[]) => { if (sql.includes('jsonb_to_recordset')) captured = { sql, params }; return origQuery(sql, ...params); };
  const project = (i: number) => ({ id: `p${i}`, code: `C${i}`, name: `P ${i}`, customerId: 'c1', opportunityId: null, status: 'ACTIVE', contractType: 'FIXED_FEE', budget: { amount: '1000.00', currency: 'USD' }, startDate: '2026-01-01', endDate: null, changeOrders: [], externalIds: [{ system: 'ERP', id: `e${i}` }] });
  await store.putMany('project', [project(0)], 'ERP');
  const { sql, params } = captured!;
  const N = 400;
  let t0 = performance.now();
  for (let i = 1; i <= N; i++) await store.raw(sql, JSON.stringify([{ ...JSON.parse(params[0] as string)[0], id: `p${i}` }]), ...params.slice(1));
  console.log('inline', ((performance.now() - t0) / N).toFixed(3), 'ms');
  const types = ['jsonb', 'source_system', 'timestamptz', 'text', 'jsonb', 'jsonb'];
  const n = params.length;
  const args = types.slice(0, n).map((t, i) => `p${i + 1} ${t}`).join(', ');
  const body = sql.replace(/\$(\d+)/g, (_m, d) => `p${d}`);
  await store.raw(`CREATE FUNCTION pg_temp.put_p(${args}) RETURNS text LANGUAGE plpgsql AS $fn$ DECLARE r text; BEGIN ${body.replace('SELECT coalesce(json_agg(id), \'[]\'::json)::text AS ids FROM up', 'SELECT coalesce(json_agg(id), \'[]\'::json)::text INTO r FROM up')}; RETURN r; END $fn$`);
  const exec = `SELECT pg_temp.put_p(${params.map((_, i) => `$${i + 1}`).join(',')}) AS ids`;
  for (const mode of ['auto', 'auto']) {
  t0 = performance.now();
  for (let i = N + 1; i <= 2 * N; i++) await store.raw(exec, JSON.stringify([{ ...JSON.parse(params[0] as string)[0], id: `p${i}x${mode}${t0}` }]), ...params.slice(1));
  console.log('plpgsql', mode, ((performance.now() - t0) / N).toFixed(3), 'ms');
  }
  t0 = performance.now();
  for (let i = 3 * N + 1; i <= 4 * N; i++) await store.raw(sql, JSON.stringify([{ ...JSON.parse(params[0] as string)[0], id: `p${i}` }]), ...params.slice(1));
  console.log('inline again', ((performance.now() - t0) / N).toFixed(3), 'ms');
  console.log(sql.length, 'chars;', n, 'params');
  await store.close();
})().catch((e) => { console.error(e); process.exit(1); });
