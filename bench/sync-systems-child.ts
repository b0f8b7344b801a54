// The simulated CRM, ERP and PSA for bench/sync, in their own process so they do
// not share an event loop with Tandem. Options as JSON in argv[2]; reports the
// systems' URLs and tokens over IPC, then answers { cmd } messages:
// 'counters' (per system), 'reset' (counters), 'records' (what the run created), 'stop'.
process.env.NODE_ENV ??= 'production';
import { generateWorld, startSystems, stopSystems, type CrmData, type ErpData, type PsaData } from '../systems';
import pino from 'pino';
import type { Counters } from '../systems/server/counters';

const BUCKET_MS = 250;

/**
 * How busy the ERP's places were over time: place-milliseconds in use per
 * 250 ms bucket since the last reset, integrated at every enter and leave of
 * the system's in-flight counter (the counter the 429 limit reads).
 */
function busyTimeline(counters: Counters) {
  let t0 = performance.now();
  let last = t0;
  let inFlight = 0;
  let buckets: number[] = [];
  const advance = () => {
    const now = performance.now();
    // spread the span [last, now) over the buckets it covers (by index: no float boundary can repeat)
    const first = Math.floor((last - t0) / BUCKET_MS);
    const lastBucket = Math.floor((now - t0) / BUCKET_MS);
    for (let i = first; i <= lastBucket; i++) {
      const from = Math.max(last, t0 + i * BUCKET_MS);
      const to = Math.min(now, t0 + (i + 1) * BUCKET_MS);
      if (to > from) buckets[i] = (buckets[i] ?? 0) + inFlight * (to - from);
    }
    last = now;
  };
  const enter = counters.enter.bind(counters);
  const leave = counters.leave.bind(counters);
  counters.enter = () => (advance(), inFlight++, enter());
  counters.leave = () => (advance(), inFlight--, leave());
  return {
    reset: () => void ((t0 = last = performance.now()), (buckets = [])),
    /** busy place-ms per bucket, from the reset to now */
    buckets: () => (advance(), { bucketMs: BUCKET_MS, placeMs: Array.from(buckets, (b) => Math.round(b ?? 0)) }),
  };
}

async function main() {
  const opts = JSON.parse(process.argv[2] ?? '{}') as { latencyMs: number; erpConcurrency: number };
  const world = generateWorld({ seed: 42, customers: 10 });
  const systems = await startSystems({ world, latencyMs: opts.latencyMs, concurrency: { erp: opts.erpConcurrency }, logger: pino({ level: 'silent' }) });
  const all = { CRM: systems.crm, ERP: systems.erp, PSA: systems.psa };
  const erpBusy = busyTimeline((systems.erp as unknown as { counters_: Counters }).counters_);
  process.on('message', async (msg: { cmd: string; tag?: string }) => {
    if (msg.cmd === 'counters') {
      process.send!({ ...Object.fromEntries(Object.entries(all).map(([k, s]) => [k, s.counters()])), erpBusy: erpBusy.buckets() });
    } else if (msg.cmd === 'reset') {
      for (const s of Object.values(all)) s.resetCounters();
      erpBusy.reset();
      process.send!({ ok: true });
    } else if (msg.cmd === 'records') {
      // records carrying the run's tag: opportunities (linked or not), their jobs and workspaces
      const crm = systems.crm.snapshot() as CrmData;
      const opps = crm.opportunities.filter((o) => o.Name.startsWith(msg.tag!));
      const ids = new Set(opps.map((o) => o.Id));
      const jobs = (systems.erp.snapshot() as ErpData).jobs.filter((j) => j.custentity_sf_opportunity_id && ids.has(j.custentity_sf_opportunity_id));
      const jobIds = new Set(jobs.map((j) => j.id));
      const workspaces = (systems.psa.snapshot() as PsaData).workspaces.filter((w) => w.external_reference && jobIds.has(w.external_reference));
      process.send!({
        opportunities: opps.length,
        linked: opps.filter((o) => o.ERP_Project_Id__c && o.PSA_Workspace_Id__c).length,
        jobs: jobs.length,
        distinctJobOpportunities: new Set(jobs.map((j) => j.custentity_sf_opportunity_id)).size,
        workspaces: workspaces.length,
      });
    } else if (msg.cmd === 'stop') {
      await stopSystems(systems);
      process.send!({ stopped: true }, () => process.exit(0));
    }
  });
  const account = world.crm.accounts.find((a) => a.ERP_Customer_Id__c && a.Tax_Id__c && a.BillingStreet && a.Legal_Entity__c && a.Type === 'Customer');
  process.send!({
    ready: true,
    accountId: account?.Id,
    systems: Object.fromEntries(Object.entries(all).map(([k, s]) => [k, { url: s.url, token: s.token }])),
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
