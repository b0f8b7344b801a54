/**
 * Issue 3's faults through the gateway, on PGlite and (when reachable) on
 * PostgreSQL: every case submits by mutation (or by webhook), reads what a user
 * sees through `syncTransaction` / `syncTransactions` / `integrationHealth`, and
 * counts records in the simulated systems to prove nothing was lost or made twice.
 *
 * The stack runs its workers with an ERP in-flight limit of 4 (the ERP simulator
 * is set to allow 4) and a 1.5 s breaker half-open time, so the breaker cases
 * finish in seconds.
 */
import type { StoreConfig } from '../../store';
import { dropSchema, postgresReachable, skipNotice, testSchemaName, urlWithSchema } from '../../store/test-support';
import type { CrmData, ErpData, PsaData } from '../../systems';
import { closedWonKey, webhookSignature } from '../../sync';
import { gql, startTestStack, type TestStack } from '../support/stack';
import {
  circuits,
  convertOpportunity,
  createCompleteAccount,
  createOpportunities,
  eventually,
  patchCrm,
  replay,
  sleep,
  transactionCount,
  transactions,
  waitForTransactions,
} from '../support/sync-gateway';

const ERP_LIMIT = 4;
const HALF_OPEN_MS = 1500;
const BREAKER_THRESHOLD = 5;

const pg = postgresReachable();
if (!pg) console.warn(skipNotice('sync faults through the gateway'));

type Kind = { name: string; store: () => { config: StoreConfig; cleanup: () => Promise<void> } };
const KINDS: Kind[] = [
  { name: 'PGlite', store: () => ({ config: { memory: true }, cleanup: async () => {} }) },
  ...(pg
    ? [
        {
          name: 'PostgreSQL',
          store: () => {
            const schema = testSchemaName();
            return { config: { databaseUrl: urlWithSchema(schema) }, cleanup: () => dropSchema(schema) };
          },
        },
      ]
    : []),
];

describe.each(KINDS)('sync faults through the gateway ($name)', (kind) => {
  let t: TestStack;
  let cleanup: () => Promise<void> = async () => {};

  const erp = () => t.systems.erp!.snapshot() as ErpData;
  const crm = () => t.systems.crm!.snapshot() as CrmData;
  const psa = () => t.systems.psa!.snapshot() as PsaData;
  const jobsOf = (oppCrmId: string) => erp().jobs.filter((j) => j.custentity_sf_opportunity_id === oppCrmId);

  beforeAll(async () => {
    const store = kind.store();
    cleanup = store.cleanup;
    t = await startTestStack({
      customers: 10,
      workers: true,
      webhooks: true,
      store: store.config,
      // the mutations' fresh CRM reads get more than the default 800 ms on a loaded machine
      adapters: { timeoutMs: 2000 },
      workerOptions: { perSystemLimit: { ERP: ERP_LIMIT }, breaker: { threshold: BREAKER_THRESHOLD, halfOpenAfterMs: HALF_OPEN_MS } },
    });
    t.systems.erp!.setFaults({ concurrency: ERP_LIMIT });
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
    await cleanup();
  });

  test('the same idempotency key twice (at once, and again later) gives one transaction, one ERP customer and one ERP job', async () => {
    const account = await createCompleteAccount(t, `Idem ${kind.name} Corp`);
    const [opp] = await createOpportunities(t, 1, `Idem ${kind.name}`, { accountCrmId: account.crmId });
    const before = await transactionCount(t);

    const key = `faults-idem-${opp.crmId}`;
    const [a, b] = await Promise.all([convertOpportunity(t, opp.id, key), convertOpportunity(t, opp.id, key)]);
    expect(b.id).toBe(a.id);
    const [done] = await waitForTransactions(t, [a.id]);
    expect(done.status).toBe('SUCCEEDED');
    const again = await convertOpportunity(t, opp.id, key);
    expect(again).toEqual({ id: a.id, status: 'SUCCEEDED' });
    expect(await transactionCount(t)).toBe(before + 1);

    expect(erp().customers.filter((c) => c.externalId === account.crmId)).toHaveLength(1);
    const jobs = jobsOf(opp.crmId);
    expect(jobs).toHaveLength(1);
    expect(psa().workspaces.filter((w) => w.id === jobs[0].custentity_psa_workspace_id)).toHaveLength(1);
    expect(crm().opportunities.find((o) => o.Id === opp.crmId)!.ERP_Project_Id__c).toBe(jobs[0].id);
  }, 30_000);

  test('ERP down during 50 conversions: non-final while down, the breaker opens and bounds the calls; all SUCCEEDED after, one job each', async () => {
    const N = 50;
    const opps = await createOpportunities(t, N, `Down ${kind.name}`);
    const system = t.systems.erp!;
    system.setFaults({ down: true });
    system.resetCounters();
    const downAt = Date.now();
    let callsWhileDown: number;
    let downMs: number;
    const ids: string[] = [];
    try {
      for (let i = 0; i < N; i += 5) {
        const batch = await Promise.all(opps.slice(i, i + 5).map((o) => convertOpportunity(t, o.id, `faults-down-${o.crmId}`)));
        for (const r of batch) {
          expect(r.status).toBe('PENDING');
          ids.push(r.id);
        }
      }

      // the user sees the circuit open, and every conversion waiting at its first ERP step
      const open = await eventually('the ERP circuit to open', async () => {
        const c = await circuits(t);
        return ['OPEN', 'HALF_OPEN'].includes(c.ERP) ? c : undefined;
      });
      expect(open.CRM).toBe('CLOSED');
      const waiting = await eventually('every conversion to have failed at the ERP once', async () => {
        const txs = await transactions(t, ids);
        return txs.every((x) => x.steps[1].status === 'FAILED') ? txs : undefined;
      });
      // asserted as "no transaction breaks the rule", so a failure shows the transaction
      const isWaitingAtErp = (tx: (typeof waiting)[number]) =>
        ['PENDING', 'RUNNING', 'FAILED'].includes(tx.status) &&
        tx.error === null &&
        tx.steps[0].name === 'load-opportunity' &&
        tx.steps[0].status === 'SUCCEEDED' &&
        tx.steps[1].name === 'upsert-erp-customer' &&
        tx.steps[1].system === 'ERP' &&
        tx.steps[1].status === 'FAILED' &&
        /ERP/.test(tx.steps[1].lastError ?? '') &&
        /unavailable/i.test(tx.steps[1].lastError ?? '') &&
        tx.steps.slice(2).every((s) => s.status === 'PENDING');
      expect(waiting.filter((tx) => !isWaitingAtErp(tx))).toEqual([]);
      // stay down a while longer: nothing finishes, the breaker lets only probes through
      await sleep(Math.max(0, downAt + 3 * HALF_OPEN_MS - Date.now()));
      const stillWaiting = await transactions(t, ids);
      expect(stillWaiting.filter((x) => !['PENDING', 'RUNNING', 'FAILED'].includes(x.status))).toEqual([]);
      downMs = Date.now() - downAt;
      callsWhileDown = system.counters().total;
    } finally {
      system.setFaults({ down: false });
    }

    const done = await waitForTransactions(t, ids, { ms: 40_000 });
    expect(done.filter((x) => x.status !== 'SUCCEEDED')).toEqual([]);
    for (const tx of done) expect(tx.steps.every((s) => s.status === 'SUCCEEDED')).toBe(true);
    for (const o of opps) expect(jobsOf(o.crmId)).toHaveLength(1);

    // Without a breaker, 50 conversions retrying every 50-1000 ms for `downMs` would
    // call hundreds of times. With it: the calls in flight when it opened (at most the
    // ERP limit) plus the `threshold` failures that open it, then one probe per
    // half-open period; each at most twice (a read is retried once by the adapter).
    const probes = Math.ceil(downMs / HALF_OPEN_MS) + 1;
    const bound = 2 * (ERP_LIMIT + BREAKER_THRESHOLD + probes);
    expect(callsWhileDown).toBeGreaterThanOrEqual(BREAKER_THRESHOLD);
    expect(callsWhileDown).toBeLessThanOrEqual(bound);

    const closed = await eventually('the ERP circuit to close', async () => {
      const c = await circuits(t);
      return c.ERP === 'CLOSED' ? c : undefined;
    });
    expect(closed.ERP).toBe('CLOSED');
  }, 90_000);

  test('429 with Retry-After is honoured: no retry before it, all SUCCEEDED, never more ERP calls in flight than its limit', async () => {
    const N = 20;
    const opps = await createOpportunities(t, N, `Limited ${kind.name}`);
    const system = t.systems.erp!;
    system.setFaults({ rateLimited: true, retryAfterSeconds: 1, latencyMs: 20 });
    system.resetCounters();
    try {
      const ids: string[] = [];
      for (let i = 0; i < N; i += 5) {
        for (const r of await Promise.all(opps.slice(i, i + 5).map((o) => convertOpportunity(t, o.id, `faults-429-${o.crmId}`)))) ids.push(r.id);
      }
      // every conversion meets the 429 at least once, then the limit lifts
      await eventually(
        'every conversion to be rate limited once',
        async () => (await t.store.prisma.syncCall.groupBy({ by: ['transactionId'], where: { transactionId: { in: ids }, outcome: 'RATE_LIMITED' } })).length === N,
        20_000,
      );
      const limited = await transactions(t, ids);
      for (const tx of limited) {
        expect(['PENDING', 'RUNNING', 'FAILED', 'SUCCEEDED']).toContain(tx.status);
      }
      expect(limited.some((x) => x.steps[1].status === 'FAILED' && /ERP/.test(x.steps[1].lastError ?? ''))).toBe(true);
      system.setFaults({ rateLimited: false });

      const done = await waitForTransactions(t, ids, { ms: 40_000 });
      expect(done.filter((x) => x.status !== 'SUCCEEDED')).toEqual([]);
      for (const tx of done) expect(tx.steps[1].attempts).toBeGreaterThanOrEqual(2);
      for (const o of opps) expect(jobsOf(o.crmId)).toHaveLength(1);

      // from the audit: a step's next ERP call starts no earlier than Retry-After after the 429 answered
      const calls = await t.store.prisma.syncCall.findMany({
        where: { transactionId: { in: ids }, system: 'ERP' },
        orderBy: [{ at: 'asc' }, { id: 'asc' }],
        select: { transactionId: true, step: true, outcome: true, at: true, durationMs: true },
      });
      const byStep = new Map<string, typeof calls>();
      for (const c of calls) byStep.set(`${c.transactionId}:${c.step}`, [...(byStep.get(`${c.transactionId}:${c.step}`) ?? []), c]);
      let checked = 0;
      for (const list of byStep.values()) {
        for (let i = 0; i + 1 < list.length; i++) {
          if (list[i].outcome !== 'RATE_LIMITED') continue;
          const answeredAt = list[i].at.getTime() + list[i].durationMs;
          // 25 ms for the millisecond rounding of `at` and duration
          expect(list[i + 1].at.getTime() - answeredAt).toBeGreaterThanOrEqual(1000 - 25);
          checked++;
        }
      }
      expect(checked).toBeGreaterThanOrEqual(N);

      const counters = system.counters();
      expect(counters.byStatus['429'] ?? 0).toBeGreaterThanOrEqual(N);
      expect(counters.maxInFlight).toBeLessThanOrEqual(ERP_LIMIT);
      expect(counters.maxInFlight).toBeGreaterThanOrEqual(2); // the calls did overlap: the limit was what held them
    } finally {
      system.setFaults({ rateLimited: false, latencyMs: 0 });
    }
  }, 90_000);

  test('a missing tax id dead-letters before any ERP write, naming the CRM account and Tax_Id__c; fixed in the CRM, replay from that step ends SUCCEEDED', async () => {
    const account = await createCompleteAccount(t, `No Tax ${kind.name} Corp`);
    await patchCrm(t, 'Account', account.crmId, { Tax_Id__c: null });
    const [opp] = await createOpportunities(t, 1, `No Tax ${kind.name}`, { accountCrmId: account.crmId });

    const r = await convertOpportunity(t, opp.id, `faults-notax-${opp.crmId}`);
    const [dead] = await waitForTransactions(t, [r.id]);
    expect(dead.status).toBe('DEAD_LETTERED');
    expect(dead.error).toMatchObject({ code: 'MASTER_DATA_INCOMPLETE' });
    expect(dead.error!.remediation).toContain(account.crmId);
    expect(dead.error!.remediation).toMatch(/Tax_Id__c/);
    expect(dead.error!.remediation).toMatch(/CRM/);
    expect(dead.steps.map((s) => s.status)).toEqual(['DEAD_LETTERED', 'PENDING', 'PENDING', 'PENDING', 'PENDING', 'PENDING']);
    // nothing reached the ERP or the PSA
    expect(erp().customers.filter((c) => c.externalId === account.crmId)).toHaveLength(0);
    expect(jobsOf(opp.crmId)).toHaveLength(0);
    const listed = await gql(t.gatewayUrl, `{ syncTransactions(status: DEAD_LETTERED, first: 100) { edges { node { id } } } }`);
    expect(listed.data.syncTransactions.edges.map((e: any) => e.node.id)).toContain(r.id);

    await patchCrm(t, 'Account', account.crmId, { Tax_Id__c: 'US-11-2223333' });
    const replayed = await replay(t, r.id);
    expect(replayed.id).toBe(r.id);
    const [done] = await waitForTransactions(t, [r.id]);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.error).toBeNull();
    expect(done.steps[0].attempts).toBe(2);
    expect(erp().customers.filter((c) => c.externalId === account.crmId)).toHaveLength(1);
    expect(jobsOf(opp.crmId)).toHaveLength(1);
  }, 30_000);

  test('a PSA workspace refused for good compensates the ERP job (COMPENSATED, job Cancelled); replay after the fix ends SUCCEEDED with one live job', async () => {
    const [opp] = await createOpportunities(t, 1, `Compensate ${kind.name}`);
    const psaSystem = t.systems.psa!;
    psaSystem.setFaults({ rejectWrites: 'POST /api/v1/workspaces' });
    let id: string;
    let cancelledJobId: string;
    try {
      id = (await convertOpportunity(t, opp.id, `faults-compensate-${opp.crmId}`)).id;
      const [tx] = await waitForTransactions(t, [id]);
      expect(tx.status).toBe('COMPENSATED');
      expect(tx.steps.map((s) => [s.name, s.status])).toEqual([
        ['load-opportunity', 'SUCCEEDED'],
        ['upsert-erp-customer', 'SUCCEEDED'],
        ['create-erp-project', 'COMPENSATED'],
        ['create-psa-workspace', 'DEAD_LETTERED'],
        ['link-erp-project', 'PENDING'],
        ['link-crm-opportunity', 'PENDING'],
      ]);
      expect(tx.error).toMatchObject({ code: expect.stringMatching(/REJECTED/) });
      expect(tx.steps[3].lastError).toMatch(/PSA|workspace/i);
      const jobs = jobsOf(opp.crmId);
      expect(jobs).toHaveLength(1);
      expect(jobs[0].entityStatus).toBe('Cancelled');
      cancelledJobId = jobs[0].id;
      expect(psa().workspaces.filter((w) => w.id === jobs[0].custentity_psa_workspace_id && w.id)).toHaveLength(0);
      expect(crm().opportunities.find((o) => o.Id === opp.crmId)!.ERP_Project_Id__c).toBeNull();
    } finally {
      psaSystem.setFaults({ rejectWrites: false });
    }

    const replayed = await replay(t, id);
    expect(replayed.id).toBe(id);
    const [done] = await waitForTransactions(t, [id]);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.steps.every((s) => s.status === 'SUCCEEDED')).toBe(true);
    // the cancelled job is reopened, not duplicated: one job, live
    const jobs = jobsOf(opp.crmId);
    const live = jobs.filter((j) => j.entityStatus !== 'Cancelled');
    expect(jobs).toHaveLength(1);
    expect(live).toHaveLength(1);
    expect(live[0].id).toBe(cancelledJobId);
    expect(crm().opportunities.find((o) => o.Id === opp.crmId)!.ERP_Project_Id__c).toBe(live[0].id);
    expect(psa().workspaces.filter((w) => w.id === live[0].custentity_psa_workspace_id)).toHaveLength(1);
  }, 30_000);

  test('a webhook with a bad, foreign or missing signature is 401 and enqueues nothing', async () => {
    const [opp] = await createOpportunities(t, 1, `Unsigned ${kind.name}`, { stage: 'Negotiation/Review' });
    const accountId = crm().opportunities.find((o) => o.Id === opp.crmId)!.AccountId;
    const before = await transactionCount(t);
    const raw = JSON.stringify({
      id: `forged-${opp.crmId}`,
      type: 'opportunity.stage_changed',
      occurredAt: new Date().toISOString(),
      data: { Id: opp.crmId, AccountId: accountId, StageName: 'Closed Won', PreviousStageName: 'Negotiation/Review' },
    });
    const ts = String(Math.floor(Date.now() / 1000));
    const post = (signature: string | undefined) =>
      fetch(t.webhooks!.endpoints.crm, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-tandem-webhook-id': `forged-${opp.crmId}`,
          'x-tandem-webhook-timestamp': ts,
          ...(signature === undefined ? {} : { 'x-tandem-signature': signature }),
        },
        body: raw,
      });
    const answers = [
      await post(`sha256=${'0'.repeat(64)}`),
      await post(webhookSignature('erp-dev-webhook-secret', ts, raw)),
      await post(undefined),
    ];
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401]);
    // the control: the same body, rightly signed, is accepted (so the 401s were the signatures)
    await sleep(300);
    expect(await transactionCount(t)).toBe(before);
    const signed = await post(webhookSignature('crm-dev-webhook-secret', ts, raw));
    expect(signed.status).toBe(202);
    const body = (await signed.json()) as { transactionId: string; created: boolean };
    expect(body.created).toBe(true);
    expect(await transactionCount(t)).toBe(before + 1);
    const [tx] = await waitForTransactions(t, [body.transactionId]);
    expect(tx.idempotencyKey).toBe(closedWonKey(opp.crmId));
  }, 30_000);

  test('the same webhook delivered twice (simulator redelivery) yields one transaction and one ERP job', async () => {
    const [opp] = await createOpportunities(t, 1, `Redelivered ${kind.name}`, { stage: 'Negotiation/Review' });
    const crmSystem = t.systems.crm!;
    const before = await transactionCount(t);
    await patchCrm(t, 'Opportunity', opp.crmId, { StageName: 'Closed Won' });

    const delivery = await eventually('the stage change to be delivered', async () =>
      crmSystem.webhookDeliveries().find((d) => JSON.parse(d.body).data?.Id === opp.crmId && d.status === 'delivered'),
    );
    const key = closedWonKey(opp.crmId);
    const find = async () => {
      const page = await gql(t.gatewayUrl, `{ syncTransactions(workflow: "opportunity-to-project", first: 20) { edges { node { id idempotencyKey status } } } }`);
      return page.data.syncTransactions.edges.map((e: any) => e.node).filter((n: any) => n.idempotencyKey === key);
    };
    const [first] = await eventually('the webhook transaction', async () => ((await find()).length ? await find() : undefined));
    const [settled] = await waitForTransactions(t, [first.id]);
    expect(settled.status).toBe('SUCCEEDED');
    expect(await transactionCount(t)).toBe(before + 1);

    const res = await fetch(`${crmSystem.url}/__admin/webhooks/${delivery.id}/redeliver`, { method: 'POST' });
    expect(res.status).toBe(202);
    await eventually('the redelivery to be answered', async () => {
      const d = crmSystem.webhookDeliveries().find((x) => x.id === delivery.id);
      return d && d.attempts > delivery.attempts && d.status === 'delivered' ? d : undefined;
    });
    await sleep(300);
    expect(await transactionCount(t)).toBe(before + 1);
    expect((await find()).map((n: any) => n.id)).toEqual([first.id]);
    expect(jobsOf(opp.crmId)).toHaveLength(1);
  }, 30_000);
});
