import { canonicalInvoiceStatus, generateWorld } from './generate-world';
import { mulberry32 } from './prng';
import { SUBSIDIARIES, type World } from './world';

const TODAY = '2025-03-15';
const cents = (n: number) => Math.round(n * 100);

function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
}

describe('generateWorld', () => {
  const world = generateWorld({ seed: 42, customers: 50, today: TODAY });

  it('is deterministic: the same options give a JSON-equal world, another seed a different one', () => {
    expect(JSON.stringify(generateWorld({ seed: 42, customers: 50, today: TODAY }))).toBe(JSON.stringify(world));
    expect(JSON.stringify(generateWorld({ seed: 7, customers: 50, today: TODAY }))).not.toBe(JSON.stringify(world));
  });

  it('uses mulberry32, never Math.random', () => {
    const spy = jest.spyOn(Math, 'random');
    generateWorld({ customers: 10, today: TODAY });
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    const a = mulberry32(1);
    const b = mulberry32(1);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });

  it('has the documented size per 50 customers and scales linearly', () => {
    expect(world.meta).toEqual({ seed: 42, customers: 50, today: TODAY });
    expect(world.crm.accounts).toHaveLength(50);
    expect(world.crm.opportunities).toHaveLength(150);
    expect(world.erp.jobs).toHaveLength(80);
    expect(world.psa.workspaces).toHaveLength(80);
    expect(world.psa.users).toHaveLength(200);
    expect(world.psa.timeEntries).toHaveLength(5000);
    expect(world.erp.invoices.length).toBeGreaterThan(200);
    const big = generateWorld({ seed: 42, customers: 100, today: TODAY });
    expect(big.crm.accounts).toHaveLength(100);
    expect(big.crm.opportunities).toHaveLength(300);
    expect(big.erp.jobs).toHaveLength(160);
    expect(big.psa.users).toHaveLength(400);
    expect(big.psa.timeEntries).toHaveLength(10000);
  });

  it('grows linearly: ten times the customers costs at most ~10x the time, measured in one run (no absolute times)', () => {
    const time = (customers: number) => {
      const started = performance.now();
      generateWorld({ customers, today: TODAY });
      return performance.now() - started;
    };
    time(100); // warm
    // the best of three of each, so a moment of load on the machine does not decide it
    const small = Math.min(time(10), time(10), time(10));
    const large = Math.min(time(100), time(100), time(100));
    expect(large / small).toBeLessThan(25);
  });

  it('rejects a world too small to be consistent', () => {
    expect(() => generateWorld({ customers: 4 })).toThrow(RangeError);
  });

  describe('consistency', () => {
    it('links every ERP customer and CRM account both ways', () => {
      const accounts = new Map(world.crm.accounts.map((a) => [a.Id, a]));
      for (const c of world.erp.customers) {
        const a = accounts.get(c.externalId!)!;
        expect(a).toBeDefined();
        expect(a.ERP_Customer_Id__c).toBe(c.id);
        expect(c.currency).toBe(a.CurrencyIsoCode);
        expect(c.vatRegNumber).toBe(a.Tax_Id__c);
        expect(SUBSIDIARIES.find((s) => s.id === c.subsidiary)!.name).toBe(a.Legal_Entity__c);
      }
      const customerIds = new Set(world.erp.customers.map((c) => c.id));
      for (const a of world.crm.accounts) {
        if (a.ERP_Customer_Id__c) expect(customerIds.has(a.ERP_Customer_Id__c)).toBe(true);
        expect(SUBSIDIARIES.find((s) => s.name === a.Legal_Entity__c)!.currency).toBe(a.CurrencyIsoCode);
        if (a.ParentId) expect(accounts.has(a.ParentId)).toBe(true);
      }
    });

    it('gives every job a workspace and every converted opportunity its job and workspace', () => {
      const workspaces = new Map(world.psa.workspaces.map((w) => [w.id, w]));
      const customers = new Map(world.erp.customers.map((c) => [c.id, c]));
      const opps = new Map(world.crm.opportunities.map((o) => [o.Id, o]));
      for (const j of world.erp.jobs) {
        const w = workspaces.get(j.custentity_psa_workspace_id!)!;
        expect(w.external_reference).toBe(j.id);
        expect(w.currency).toBe(j.currency);
        expect(w.price_in_cents).toBe(cents(j.custentity_budget_amount!));
        expect(j.currency).toBe(customers.get(j.parent)!.currency);
        if (j.custentity_sf_opportunity_id) {
          const o = opps.get(j.custentity_sf_opportunity_id)!;
          expect(o.StageName).toBe('Closed Won');
          expect(o.ERP_Project_Id__c).toBe(j.id);
          expect(o.PSA_Workspace_Id__c).toBe(w.id);
          expect(o.AccountId).toBe(customers.get(j.parent)!.externalId);
        }
      }
      const jobs = new Set(world.erp.jobs.map((j) => j.id));
      for (const o of world.crm.opportunities) if (o.ERP_Project_Id__c) expect(jobs.has(o.ERP_Project_Id__c)).toBe(true);
      const changeOrderJobs = world.erp.changeOrders.map((c) => c.custrecord_co_job);
      expect(changeOrderJobs.every((id) => jobs.has(id))).toBe(true);
    });

    it("assigns every time entry's user to its workspace, in the workspace's currency", () => {
      const staffed = new Set(world.psa.workspaceResources.map((a) => `${a.workspace_id}|${a.user_id}`));
      const workspaces = new Map(world.psa.workspaces.map((w) => [w.id, w]));
      for (const a of world.psa.workspaceResources) expect(a.currency).toBe(workspaces.get(a.workspace_id)!.currency);
      const bad = world.psa.timeEntries.filter(
        (e) => !staffed.has(`${e.workspace_id}|${e.user_id}`) || e.date_performed >= TODAY || e.time_in_minutes % 30 !== 0,
      );
      expect(bad).toEqual([]);
    });

    it('totals every invoice as the sum of its lines and its balance as total minus payments', () => {
      const paid = new Map<string, number>();
      for (const p of world.erp.payments) {
        paid.set(p.custbody_invoice, (paid.get(p.custbody_invoice) ?? 0) + cents(p.payment));
        expect(p.tranDate <= TODAY).toBe(true);
      }
      const invoices = new Map(world.erp.invoices.map((i) => [i.id, i]));
      for (const p of world.erp.payments) {
        const inv = invoices.get(p.custbody_invoice)!;
        expect(p.customer).toBe(inv.entity);
        expect(p.currency).toBe(inv.currency);
        expect(p.tranDate >= inv.tranDate).toBe(true);
      }
      for (const inv of world.erp.invoices) {
        expect(cents(inv.total)).toBe(inv.lines.reduce((s, l) => s + cents(l.amount), 0));
        for (const l of inv.lines) expect(cents(l.amount)).toBe(Math.round(l.quantity * l.rate * 100));
        expect(cents(inv.amountRemaining)).toBe(cents(inv.total) - (paid.get(inv.id) ?? 0));
        expect(inv.status === 'Paid In Full').toBe(inv.amountRemaining === 0);
        expect(inv.tranDate <= TODAY).toBe(true);
      }
    });

    it('bills invoiced time on its invoice, one line per resource and rate', () => {
      const invoices = new Map(world.erp.invoices.map((i) => [i.id, i]));
      const workspaces = new Map(world.psa.workspaces.map((w) => [w.id, w]));
      const rate = new Map(world.psa.workspaceResources.map((a) => [`${a.workspace_id}|${a.user_id}`, a.bill_rate_in_cents!]));
      const minutes = new Map<string, number>();
      const bad: unknown[] = [];
      for (const e of world.psa.timeEntries) {
        if (e.status !== 'invoiced') {
          if (e.invoice_reference !== null) bad.push(e);
          continue;
        }
        const inv = invoices.get(e.invoice_reference!)!;
        const line = inv.lines.find((l) => l.custcol_psa_user_id === e.user_id);
        const ok =
          inv.job === workspaces.get(e.workspace_id)!.external_reference &&
          e.billable &&
          line !== undefined &&
          cents(line.rate) === rate.get(`${e.workspace_id}|${e.user_id}`);
        if (!ok) bad.push(e);
        const key = `${inv.id}|${e.user_id}`;
        minutes.set(key, (minutes.get(key) ?? 0) + e.time_in_minutes);
      }
      expect(bad).toEqual([]);
      for (const inv of world.erp.invoices) {
        for (const l of inv.lines) {
          if (l.custcol_psa_user_id === null) continue;
          expect(l.quantity * 60).toBe(minutes.get(`${inv.id}|${l.custcol_psa_user_id}`));
        }
        const users = inv.lines.map((l) => l.custcol_psa_user_id).filter((u) => u !== null);
        expect(new Set(users).size).toBe(users.length);
      }
    });

    it('keeps names realistic and unique', () => {
      const names = world.crm.accounts.map((a) => a.Name);
      expect(new Set(names).size).toBe(names.length);
      const emails = world.psa.users.map((u) => u.email_address);
      expect(new Set(emails).size).toBe(emails.length);
      expect(emails.every((e) => /^[a-z.0-9]+@tandemconsulting\.com$/.test(e))).toBe(true);
      expect(world.psa.users.every((u) => / /.test(u.full_name) && u.skills.length >= 2)).toBe(true);
    });
  });

  describe('mid-flight states', () => {
    const stats = midFlight(world);

    it('has Closed Won opportunities awaiting a project, some on accounts with incomplete master data', () => {
      expect(stats.awaitingProject).toBeGreaterThanOrEqual(5);
      expect(stats.awaitingProject).toBeLessThanOrEqual(8);
      expect(stats.awaitingOnIncompleteAccounts).toBeGreaterThanOrEqual(2);
      expect(stats.missingTaxId).toBeGreaterThanOrEqual(1);
      expect(stats.missingBillingAddress).toBeGreaterThanOrEqual(1);
    });

    it('has prospects with early-stage opportunities and parent accounts', () => {
      expect(stats.prospects).toBe(5);
      expect(stats.prospectsWithEarlyOpportunities).toBe(5);
      expect(stats.parentAccounts).toBeGreaterThanOrEqual(2);
    });

    it('has submitted-but-unapproved time and approved unbilled time on active projects', () => {
      expect(stats.time.submitted).toBeGreaterThan(20);
      expect(stats.approvedUnbilled).toBeGreaterThan(100);
      expect(stats.projectsWithSubmittedTime).toBeGreaterThan(5);
      expect(stats.projectsWithApprovedUnbilledTime).toBeGreaterThan(5);
    });

    it('has issued, partly paid, paid, overdue and blocked invoices', () => {
      expect(stats.invoices.ISSUED).toBeGreaterThan(5);
      expect(stats.invoices.PARTIALLY_PAID).toBeGreaterThanOrEqual(2);
      expect(stats.invoices.PAID).toBeGreaterThan(100);
      expect(stats.invoices.OVERDUE).toBeGreaterThanOrEqual(4);
      expect(stats.invoices.BLOCKED).toBe(2);
      expect(stats.partlyPaid).toBeGreaterThanOrEqual(4);
    });

    it('keeps the same states in a small world', () => {
      const small = midFlight(generateWorld({ seed: 3, customers: 10, today: '2025-07-02' }));
      expect(small.awaitingOnIncompleteAccounts).toBeGreaterThanOrEqual(2);
      expect(small.invoices.BLOCKED).toBeGreaterThanOrEqual(1);
      expect(small.time.submitted + small.time.draft).toBeGreaterThan(0);
      expect(small.approvedUnbilled).toBeGreaterThan(0);
    });
  });
});

/** Counts of the seed world's mid-flight states (also used to report them). */
function midFlight(world: World) {
  const today = world.meta.today;
  const accounts = new Map(world.crm.accounts.map((a) => [a.Id, a]));
  const incomplete = (id: string | null) => {
    const a = id ? accounts.get(id) : undefined;
    return !!a && (!a.Tax_Id__c || !a.BillingStreet);
  };
  const awaiting = world.crm.opportunities.filter((o) => o.StageName === 'Closed Won' && !o.ERP_Project_Id__c);
  const jobs = new Map(world.erp.jobs.map((j) => [j.id, j]));
  const workspaceJob = new Map(world.psa.workspaces.map((w) => [w.id, jobs.get(w.external_reference!)!]));
  const approvedUnbilled = world.psa.timeEntries.filter(
    (e) => e.status === 'approved' && e.billable && workspaceJob.get(e.workspace_id)!.custentity_contract_type !== 'Fixed Fee',
  );
  const prospects = world.crm.accounts.filter((a) => a.Type === 'Prospect');
  return {
    awaitingProject: awaiting.length,
    awaitingOnIncompleteAccounts: awaiting.filter((o) => incomplete(o.AccountId)).length,
    missingTaxId: world.crm.accounts.filter((a) => a.Type !== 'Prospect' && !a.Tax_Id__c).length,
    missingBillingAddress: world.crm.accounts.filter((a) => !a.BillingStreet).length,
    prospects: prospects.length,
    prospectsWithEarlyOpportunities: prospects.filter((p) =>
      world.crm.opportunities.some((o) => o.AccountId === p.Id && (o.StageName === 'Prospecting' || o.StageName === 'Qualification')),
    ).length,
    parentAccounts: new Set(world.crm.accounts.map((a) => a.ParentId).filter(Boolean)).size,
    time: countBy(world.psa.timeEntries, (e) => e.status),
    approvedUnbilled: approvedUnbilled.length,
    projectsWithSubmittedTime: new Set(world.psa.timeEntries.filter((e) => e.status === 'submitted').map((e) => e.workspace_id)).size,
    projectsWithApprovedUnbilledTime: new Set(approvedUnbilled.map((e) => e.workspace_id)).size,
    invoices: countBy(world.erp.invoices, (i) => canonicalInvoiceStatus(i, today)),
    partlyPaid: world.erp.invoices.filter((i) => i.amountRemaining > 0 && i.amountRemaining < i.total).length,
  };
}
