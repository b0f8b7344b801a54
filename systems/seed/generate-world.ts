import { addMonths, dayFromIso, dayOf, firstOfMonth, isoDateTime, isoDay, isWorkday, monthLabel } from '../shared/dates';
import { salesforceId } from '../shared/ids';
import {
  BLOCKED_REASONS,
  CHANGE_ORDER_DESCRIPTIONS,
  COMPANY_FIRST,
  COMPANY_INDUSTRY,
  COUNTRIES,
  type CountryProfile,
  FIRST_NAMES,
  LAST_NAMES,
  RATE_FACTOR,
  SKILLS,
  STREET_NAMES,
  TIME_NOTES,
  TITLES,
  type Topic,
  TOPICS,
} from './names';
import { Rng } from './prng';
import {
  type CrmAccount,
  type CrmAccountType,
  type CrmOpportunity,
  type CrmStage,
  type ErpChangeOrder,
  type ErpContractType,
  type ErpCustomer,
  type ErpCustomerPayment,
  type ErpInvoice,
  type ErpInvoiceLine,
  type ErpJob,
  type ErpJobStatus,
  type PsaAssignmentStatus,
  type PsaTimeEntry,
  type PsaTimeStatus,
  type PsaUser,
  type PsaWorkspace,
  type PsaWorkspaceResource,
  type PsaWorkspaceStatus,
  SUBSIDIARIES,
  type World,
} from './world';

/** Options of {@link generateWorld}. */
export interface GenerateWorldOptions {
  /**
   * Seed of the PRNG: the same seed, size and base date give the same world.
   * @default 42
   */
  seed?: number;
  /**
   * Number of CRM accounts (prospects, customers and former customers); every
   * other count scales linearly with it. At least 5.
   * @default 50
   */
  customers?: number;
  /**
   * Base date every seeded date is relative to (a Date, or `YYYY-MM-DD`); only its UTC day counts.
   * @default new Date()
   */
  today?: Date | string;
}

/** Smallest world the generator can make consistent. */
export const MIN_SEED_CUSTOMERS = 5;

type AccountKind = 'active' | 'on-hold' | 'former' | 'prospect' | 'missing-tax-id' | 'missing-address' | 'new-won';

interface AccountPlan {
  index: number;
  kind: AccountKind;
  country: CountryProfile;
  parent?: AccountPlan;
  isParent: boolean;
  record?: CrmAccount;
  customer?: ErpCustomer;
}

interface Member {
  user: PsaUser;
  role: string;
  rateCents: number;
  plannedMinutes: number;
  status: PsaAssignmentStatus;
  logsTime: boolean;
  record?: PsaWorkspaceResource;
}

interface ProjectPlan {
  account: AccountPlan;
  topic: Topic;
  name: string;
  status: ErpJobStatus;
  contract: ErpContractType;
  startDay: number;
  endDay: number;
  /** Last day time is logged on. */
  workTo: number;
  /** Billable time up to this day is invoiced. */
  invoicedThrough: number;
  team: Member[];
  originalBudgetCents: number;
  budgetCents: number;
  changeOrders: { description: string; amountCents: number; approvedAt: string | null }[];
  hasOpportunity: boolean;
  job?: ErpJob;
  workspace?: PsaWorkspace;
  opportunity?: CrmOpportunity;
}

interface InvoicePlan {
  project: ProjectPlan;
  tranDay: number;
  dueDay: number;
  kind: 'time' | 'milestone';
  lines: Omit<ErpInvoiceLine, 'line'>[];
  totalCents: number;
  entries: PsaTimeEntry[];
  record?: ErpInvoice;
}

const STATUS_TO_WORKSPACE: Record<ErpJobStatus, PsaWorkspaceStatus> = {
  Pending: 'planned',
  'In Progress': 'active',
  'On Hold': 'on_hold',
  Closed: 'completed',
  Cancelled: 'cancelled',
};

const MILESTONES = ['Discovery and design', 'Build and configuration', 'Deployment and handover'] as const;

/**
 * Generates one consistent world for the CRM, ERP and PSA simulators: a
 * professional-services firm in mid-flight (see docs/source-systems.md, "The
 * seed world"). Deterministic: the same options give a JSON-equal world.
 */
export function generateWorld(options: GenerateWorldOptions = {}): World {
  return new WorldBuilder(options).build();
}

class WorldBuilder {
  private readonly rng: Rng;
  private readonly seed: number;
  private readonly n: number;
  private readonly today: number;
  private readonly lastMonthEnd: number;

  private readonly accounts: AccountPlan[] = [];
  private readonly users: PsaUser[] = [];
  private readonly projects: ProjectPlan[] = [];
  private readonly opportunities: CrmOpportunity[] = [];
  private readonly changeOrders: ErpChangeOrder[] = [];
  private readonly workspaceResources: PsaWorkspaceResource[] = [];
  private readonly timeEntries: PsaTimeEntry[] = [];
  private readonly invoices: InvoicePlan[] = [];
  private readonly payments: ErpCustomerPayment[] = [];
  private readonly usedNames = new Set<string>();
  private entitySeq = 1000;

  constructor(options: GenerateWorldOptions) {
    this.seed = options.seed ?? 42;
    this.n = options.customers ?? 50;
    if (!Number.isInteger(this.n) || this.n < MIN_SEED_CUSTOMERS) {
      throw new RangeError(`customers must be an integer of at least ${MIN_SEED_CUSTOMERS}, got ${this.n}`);
    }
    if (!Number.isInteger(this.seed)) throw new RangeError(`seed must be an integer, got ${this.seed}`);
    const today = options.today ?? new Date();
    this.today = typeof today === 'string' ? dayFromIso(today) : dayOf(today);
    if (Number.isNaN(this.today)) throw new RangeError(`today is not a date: ${String(today)}`);
    this.lastMonthEnd = firstOfMonth(this.today) - 1;
    this.rng = new Rng(this.seed);
  }

  build(): World {
    this.planAccounts();
    this.buildAccounts();
    this.buildUsers();
    this.planProjects();
    this.buildProjects();
    this.buildOpportunities();
    this.buildTimeEntries();
    this.buildInvoices();
    this.settleInvoices();
    this.writeBackReceivables();
    return {
      meta: { seed: this.seed, customers: this.n, today: isoDay(this.today) },
      crm: {
        accounts: this.accounts.map((a) => a.record!),
        opportunities: this.opportunities,
      },
      erp: {
        customers: this.accounts.filter((a) => a.customer).map((a) => a.customer!),
        jobs: this.projects.map((p) => p.job!),
        changeOrders: this.changeOrders,
        invoices: this.invoices.map((i) => i.record!),
        payments: this.payments,
      },
      psa: {
        users: this.users,
        workspaces: this.projects.map((p) => p.workspace!),
        workspaceResources: this.workspaceResources,
        timeEntries: this.timeEntries,
      },
    };
  }

  // ---- accounts -----------------------------------------------------------

  private planAccounts(): void {
    const { n, rng } = this;
    const prospects = Math.max(1, Math.round(n * 0.1));
    const incomplete = Math.max(2, Math.round(n * 0.06));
    const newWon = Math.round(n * 0.02);
    const erp = n - prospects - incomplete - newWon;
    const kinds: AccountKind[] = [
      ...Array<AccountKind>(erp).fill('active'),
      ...Array<AccountKind>(prospects).fill('prospect'),
      ...Array.from({ length: incomplete }, (_, i): AccountKind => (i % 2 === 0 ? 'missing-tax-id' : 'missing-address')),
      ...Array<AccountKind>(newWon).fill('new-won'),
    ];
    rng.shuffle(kinds).forEach((kind, index) => {
      this.accounts.push({ index, kind, isParent: false, country: this.pickCountry() });
    });

    const erpAccounts = rng.shuffle(this.accounts.filter((a) => a.kind === 'active'));
    const small = erpAccounts.length < 10;
    const former = small ? 0 : Math.max(1, Math.round(n * 0.04));
    const onHold = small ? 0 : Math.max(1, Math.round(n * 0.04));
    erpAccounts.slice(0, former).forEach((a) => (a.kind = 'former'));
    erpAccounts.slice(former, former + onHold).forEach((a) => (a.kind = 'on-hold'));

    const active = erpAccounts.slice(former + onHold);
    const parents = erpAccounts.length < 5 ? 0 : Math.max(1, Math.round(n * 0.06));
    const children = erpAccounts.slice(former).filter((a) => !active.slice(0, parents).includes(a));
    active.slice(0, parents).forEach((parent, i) => {
      parent.isParent = true;
      for (const child of children.slice(i * 2, i * 2 + 2)) {
        child.parent = parent;
        child.country = parent.country;
      }
    });
  }

  private pickCountry(): CountryProfile {
    return this.rng.weighted(COUNTRIES.map((c) => [c, c.weight] as const));
  }

  private uniqueName(make: () => string): string {
    for (let attempt = 0; attempt < 50; attempt++) {
      const name = make();
      if (!this.usedNames.has(name)) {
        this.usedNames.add(name);
        return name;
      }
    }
    const base = make();
    for (let k = 2; ; k++) {
      const name = `${base} ${k}`;
      if (!this.usedNames.has(name)) {
        this.usedNames.add(name);
        return name;
      }
    }
  }

  private buildAccounts(): void {
    const { rng } = this;
    const parentFirst = new Map<AccountPlan, string>();
    const reserved = new Set<string>();
    for (const a of this.accounts.filter((x) => x.isParent)) {
      const first = this.uniqueName(() => rng.pick(COMPANY_FIRST));
      parentFirst.set(a, first);
      reserved.add(first);
    }
    const order = [...this.accounts.filter((a) => a.isParent), ...this.accounts.filter((a) => !a.isParent)];
    for (const a of order) {
      const name = a.isParent
        ? `${parentFirst.get(a)!} Group`
        : this.uniqueName(() => {
            const first = a.parent ? parentFirst.get(a.parent)! : rng.pick(COMPANY_FIRST.filter((f) => !reserved.has(f)));
            return `${first} ${rng.pick(COMPANY_INDUSTRY)}`;
          });
      this.usedNames.add(name);
      a.record = this.accountRecord(a, name);
    }
    for (const a of this.accounts) {
      if (a.parent) a.record!.ParentId = a.parent.record!.Id;
      if (a.kind === 'active' || a.kind === 'on-hold' || a.kind === 'former') {
        a.customer = this.customerRecord(a);
        a.record!.ERP_Customer_Id__c = a.customer.id;
      }
    }
  }

  private accountRecord(a: AccountPlan, name: string): CrmAccount {
    const { rng } = this;
    const c = a.country;
    const subsidiary = subsidiaryFor(c.currency);
    const [city, postal] = rng.pick(c.cities);
    const noAddress = a.kind === 'missing-address';
    const hasTaxId = a.kind !== 'missing-tax-id' && (a.kind !== 'prospect' || rng.chance(0.3));
    const type: Record<AccountKind, CrmAccountType> = {
      active: 'Customer',
      'on-hold': 'Customer - On Hold',
      former: 'Former Customer',
      prospect: 'Prospect',
      'missing-tax-id': 'Customer',
      'missing-address': 'Customer',
      'new-won': 'Customer',
    };
    return {
      Id: salesforceId('001', a.index + 1),
      Name: name,
      Legal_Name__c: a.kind === 'prospect' && !hasTaxId ? null : `${name} ${rng.pick(c.legalSuffixes)}`,
      Legal_Entity__c: subsidiary.name,
      Tax_Id__c: hasTaxId ? c.taxId((k) => rng.digits(k)) : null,
      CurrencyIsoCode: c.currency,
      BillingStreet: noAddress ? null : c.street(rng.pick(STREET_NAMES), rng.int(1, 480)),
      BillingCity: noAddress ? null : city,
      BillingPostalCode: noAddress ? null : postal,
      BillingCountryCode: noAddress ? null : c.code,
      ParentId: null,
      Type: type[a.kind],
      ERP_Customer_Id__c: null,
      AR_Balance__c: null,
      Invoice_Status__c: null,
      LastModifiedDate: this.sfStamp(this.today - rng.int(1, 120)),
    };
  }

  private customerRecord(a: AccountPlan): ErpCustomer {
    const acct = a.record!;
    const seq = ++this.entitySeq;
    return {
      id: String(seq),
      entityId: `CUST-${String(seq - 1000).padStart(5, '0')}`,
      companyName: acct.Legal_Name__c ?? acct.Name,
      externalId: acct.Id,
      subsidiary: subsidiaryFor(acct.CurrencyIsoCode).id,
      currency: acct.CurrencyIsoCode,
      vatRegNumber: acct.Tax_Id__c,
      email: `ap@${slug(acct.Name)}.${a.country.tld}`,
      isInactive: a.kind === 'former',
      lastModifiedDate: this.stamp(this.today - this.rng.int(1, 120)),
    };
  }

  // ---- people -------------------------------------------------------------

  private buildUsers(): void {
    const { rng } = this;
    const emails = new Set<string>();
    const count = 4 * this.n;
    for (let i = 0; i < count; i++) {
      const first = rng.pick(FIRST_NAMES);
      const last = rng.pick(LAST_NAMES);
      const base = `${ascii(first)}.${ascii(last)}`;
      let local = base;
      for (let k = 2; emails.has(local); k++) local = `${base}${k}`;
      emails.add(local);
      const title = rng.weighted(TITLES.map((t) => [t, t.weight] as const));
      const currency = rng.weighted([['USD', 60], ['EUR', 25], ['GBP', 15]] as const);
      const rate = rateFor(title.rateUsd, currency, 1);
      const created = this.today - rng.int(60, 1500);
      this.users.push({
        id: String(10001 + i),
        full_name: `${first} ${last}`,
        email_address: `${local}@tandemconsulting.com`,
        headline: title.title,
        skills: rng.sample(SKILLS, rng.int(2, 4)).sort(),
        bill_rate_in_cents: rate * 100,
        cost_rate_in_cents: Math.round(rate * 0.45) * 100,
        currency,
        created_at: this.stamp(created),
        updated_at: this.stamp(created + rng.int(0, this.today - created)),
      });
    }
  }

  // ---- projects -----------------------------------------------------------

  private planProjects(): void {
    const { rng, n } = this;
    const erp = this.accounts.filter((a) => a.customer);
    const active = erp.filter((a) => a.kind === 'active');
    const total = Math.max(erp.length, Math.round(1.6 * n));
    const owners = [...erp];
    for (let i = erp.length; i < total; i++) owners.push(rng.pick(active.length ? active : erp));
    const topicsUsed = new Map<AccountPlan, Set<string>>();
    const firstOnHold = new Set<AccountPlan>();
    for (const account of owners) {
      const used = topicsUsed.get(account) ?? new Set<string>();
      topicsUsed.set(account, used);
      const fresh = TOPICS.filter((t) => !used.has(t.topic));
      const topic = rng.pick(fresh.length ? fresh : TOPICS);
      const name = used.has(topic.topic) ? `${topic.topic} Phase 2` : topic.topic;
      used.add(topic.topic);
      let status: ErpJobStatus;
      if (account.kind === 'former') status = rng.chance(0.85) ? 'Closed' : 'Cancelled';
      else if (account.kind === 'on-hold') {
        status = firstOnHold.has(account) ? 'Closed' : 'On Hold';
        firstOnHold.add(account);
      } else {
        status = rng.weighted([['Pending', 10], ['In Progress', 62], ['Closed', 22], ['Cancelled', 3], ['On Hold', 3]] as const);
      }
      const contract: ErpContractType = topic.contract ?? (rng.chance(0.2) ? 'Fixed Fee' : 'T&M');
      this.projects.push(this.planProject(account, topic, name, status, contract));
    }
    this.projects.sort((a, b) => a.startDay - b.startDay);
  }

  private planProject(account: AccountPlan, topic: Topic, name: string, status: ErpJobStatus, contract: ErpContractType): ProjectPlan {
    const { rng, today, lastMonthEnd } = this;
    let startDay: number;
    let endDay: number;
    let workTo: number;
    switch (status) {
      case 'Closed':
        endDay = lastMonthEnd - rng.int(0, 240);
        startDay = endDay - rng.int(90, 270);
        workTo = endDay;
        break;
      case 'Cancelled':
        endDay = lastMonthEnd - rng.int(0, 200);
        startDay = endDay - rng.int(30, 90);
        workTo = endDay;
        break;
      case 'On Hold':
        startDay = today - rng.int(90, 300);
        endDay = today + rng.int(0, 120);
        workTo = Math.max(startDay + 14, today - rng.int(14, 45));
        break;
      case 'Pending':
        startDay = today + rng.int(7, 60);
        endDay = startDay + rng.int(90, 240);
        workTo = startDay - 1;
        break;
      default:
        startDay = today - rng.int(20, 330);
        endDay = today + rng.int(30, 240);
        workTo = today - 1;
    }
    const backlog = status === 'In Progress' && rng.chance(0.15);
    const invoicedThrough = backlog ? firstOfMonth(lastMonthEnd) - 1 : lastMonthEnd;

    const currency = account.record!.CurrencyIsoCode;
    const size = status === 'Pending' ? rng.int(2, 4) : rng.int(3, 6);
    const people = rng.sample(this.users, size + 1);
    const assignmentStatus = (): PsaAssignmentStatus => {
      if (status === 'Pending') return rng.chance(0.5) ? 'proposed' : 'confirmed';
      return status === 'Closed' ? 'completed' : status === 'Cancelled' ? 'cancelled' : 'confirmed';
    };
    const team: Member[] = people.slice(0, size).map((user) => {
      const title = TITLES.find((t) => t.title === user.headline)!;
      return {
        user,
        role: rng.pick(title.roles),
        rateCents: rateFor(title.rateUsd, currency, rng.pick([1, 1, 0.95, 0.9])) * 100,
        plannedMinutes: rng.int(10, 60) * 8 * 60,
        status: assignmentStatus(),
        logsTime: status !== 'Pending',
      };
    });
    if (status === 'In Progress' && rng.chance(0.15) && people.length > size) {
      const user = people[size];
      const title = TITLES.find((t) => t.title === user.headline)!;
      team.push({
        user,
        role: rng.pick(title.roles),
        rateCents: rateFor(title.rateUsd, currency, 1) * 100,
        plannedMinutes: rng.int(5, 20) * 8 * 60,
        status: 'proposed',
        logsTime: false,
      });
    }
    const costCents = team.reduce((s, m) => s + (m.plannedMinutes * m.rateCents) / 60, 0);
    const factor = contract === 'Fixed Fee' ? 1.1 : 1;
    const originalBudgetCents = Math.max(10_000, Math.round((costCents * factor) / 100_000) * 1000) * 100;

    const changeOrders: ProjectPlan['changeOrders'] = [];
    if (status !== 'Pending' && rng.chance(0.3)) {
      const count = rng.chance(0.7) ? 1 : 2;
      for (let i = 0; i < count; i++) {
        const units = Math.max(1000, Math.round((originalBudgetCents / 100) * (rng.int(5, 20) / 100) / 1000) * 1000);
        const amountCents = (rng.chance(0.12) ? -units : units) * 100;
        const openEnded = status === 'In Progress' || status === 'On Hold';
        const approved = !openEnded || rng.chance(0.8);
        const last = Math.min(today - 1, endDay);
        const approvedDay = startDay + rng.int(14, Math.max(14, last - startDay));
        changeOrders.push({
          description: rng.pick(CHANGE_ORDER_DESCRIPTIONS),
          amountCents,
          approvedAt: approved ? isoDateTime(Math.min(approvedDay, today - 1), rng.int(8 * 3600, 18 * 3600)) : null,
        });
      }
    }
    const budgetCents = originalBudgetCents + changeOrders.filter((c) => c.approvedAt).reduce((s, c) => s + c.amountCents, 0);
    return {
      account,
      topic,
      name,
      status,
      contract,
      startDay,
      endDay,
      workTo,
      invoicedThrough,
      team,
      originalBudgetCents,
      budgetCents,
      changeOrders,
      hasOpportunity: rng.chance(0.95),
    };
  }

  private buildProjects(): void {
    const { rng } = this;
    let workspaceSeq = 30000;
    let assignmentSeq = 50000;
    let changeOrderSeq = 100;
    let projectNumber = 0;
    for (const p of this.projects) {
      const seq = ++this.entitySeq;
      const customer = p.account.customer!;
      const workspaceId = String(++workspaceSeq);
      const created = Math.min(p.startDay, this.today) - rng.int(3, 20);
      p.job = {
        id: String(seq),
        entityId: `PRJ-${String(++projectNumber).padStart(4, '0')}`,
        companyName: p.name,
        parent: customer.id,
        entityStatus: p.status,
        custentity_contract_type: p.contract,
        custentity_budget_amount: p.budgetCents / 100,
        currency: customer.currency,
        startDate: isoDay(p.startDay),
        projectedEndDate: isoDay(p.endDay),
        custentity_sf_opportunity_id: null,
        custentity_psa_workspace_id: workspaceId,
        lastModifiedDate: this.stamp(Math.min(this.today, Math.max(created, p.workTo))),
      };
      p.workspace = {
        id: workspaceId,
        title: `${p.account.record!.Name} – ${p.name}`,
        external_reference: p.job.id,
        price_in_cents: p.budgetCents,
        currency: customer.currency,
        start_date: p.job.startDate,
        due_date: p.job.projectedEndDate,
        status: STATUS_TO_WORKSPACE[p.status],
        created_at: this.stamp(created),
        updated_at: this.stamp(Math.min(this.today, Math.max(created, p.workTo))),
      };
      for (const m of p.team) {
        m.record = {
          id: String(++assignmentSeq),
          workspace_id: workspaceId,
          user_id: m.user.id,
          role_name: m.role,
          planned_minutes: m.plannedMinutes,
          bill_rate_in_cents: m.rateCents,
          currency: customer.currency,
          status: m.status,
          created_at: this.stamp(created),
          updated_at: this.stamp(created + rng.int(0, 10)),
        };
        this.workspaceResources.push(m.record);
      }
      for (const co of p.changeOrders) {
        this.changeOrders.push({
          id: String(++changeOrderSeq),
          custrecord_co_job: p.job.id,
          custrecord_co_description: co.description,
          custrecord_co_amount: co.amountCents / 100,
          custrecord_co_approved_date: co.approvedAt,
          lastModifiedDate: co.approvedAt ?? this.stamp(this.today - rng.int(1, 10)),
        });
      }
    }
  }

  // ---- opportunities ------------------------------------------------------

  private buildOpportunities(): void {
    const { rng, today, n } = this;
    const opp = (account: AccountPlan, topic: Topic, stage: CrmStage, closeDay: number, amountCents: number, modifiedDay: number): CrmOpportunity => {
      const record: CrmOpportunity = {
        Id: '',
        Name: `${account.record!.Name} - ${topic.topic}`,
        AccountId: account.record!.Id,
        StageName: stage,
        Amount: amountCents / 100,
        CurrencyIsoCode: account.record!.CurrencyIsoCode,
        CloseDate: isoDay(closeDay),
        Service_Line__c: topic.serviceLine,
        ERP_Project_Id__c: null,
        PSA_Workspace_Id__c: null,
        LastModifiedDate: this.sfStamp(Math.min(today, modifiedDay)),
      };
      this.opportunities.push(record);
      return record;
    };
    const pipelineAmount = () => rng.int(8, 80) * 5000 * 100;

    for (const p of this.projects) {
      if (!p.hasOpportunity) continue;
      const close = p.startDay - rng.int(7, 28);
      p.opportunity = opp(p.account, p.topic, 'Closed Won', close, p.originalBudgetCents, close + rng.int(7, 20));
      if (p.name !== p.topic.topic) p.opportunity.Name = `${p.account.record!.Name} - ${p.name}`;
    }

    const awaitingOn = this.accounts.filter((a) => a.kind === 'missing-tax-id' || a.kind === 'missing-address' || a.kind === 'new-won');
    const target = Math.max(awaitingOn.length + 1, Math.round(n * 0.12));
    const active = this.accounts.filter((a) => a.kind === 'active');
    awaitingOn.push(...rng.sample(active, target - awaitingOn.length));
    for (const account of awaitingOn) {
      const close = today - rng.int(1, 21);
      opp(account, rng.pick(TOPICS), 'Closed Won', close, pipelineAmount(), close + rng.int(0, 1));
    }

    for (const account of this.accounts.filter((a) => a.kind === 'prospect')) {
      for (let i = rng.int(1, 2); i > 0; i--) {
        const stage: CrmStage = rng.chance(0.5) ? 'Prospecting' : 'Qualification';
        opp(account, rng.pick(TOPICS), stage, today + rng.int(20, 150), pipelineAmount(), today - rng.int(0, 30));
      }
    }

    const lost = Math.round(n * 0.4);
    const lostOn = this.accounts.filter((a) => a.kind !== 'missing-tax-id' && a.kind !== 'missing-address' && a.kind !== 'new-won');
    for (let i = 0; i < lost; i++) {
      const close = today - rng.int(10, 300);
      opp(rng.pick(lostOn), rng.pick(TOPICS), 'Closed Lost', close, pipelineAmount(), close + rng.int(0, 5));
    }

    const open = Math.max(0, 3 * n - this.opportunities.length);
    const openOn = active.length ? active : lostOn;
    for (let i = 0; i < open; i++) {
      const stage = rng.weighted([['Prospecting', 20], ['Qualification', 25], ['Proposal/Price Quote', 30], ['Negotiation/Review', 25]] as const);
      opp(rng.pick(openOn), rng.pick(TOPICS), stage, today + rng.int(10, 150), pipelineAmount(), today - rng.int(0, 30));
    }

    const order = this.opportunities.map((o, i) => ({ o, i }));
    order.sort((a, b) => (a.o.CloseDate < b.o.CloseDate ? -1 : a.o.CloseDate > b.o.CloseDate ? 1 : a.i - b.i));
    this.opportunities.length = 0;
    order.forEach(({ o }, i) => {
      o.Id = salesforceId('006', i + 1);
      this.opportunities.push(o);
    });
    for (const p of this.projects) {
      if (!p.opportunity) continue;
      p.opportunity.ERP_Project_Id__c = p.job!.id;
      p.opportunity.PSA_Workspace_Id__c = p.workspace!.id;
      p.job!.custentity_sf_opportunity_id = p.opportunity.Id;
    }
  }

  // ---- time ---------------------------------------------------------------

  private buildTimeEntries(): void {
    const { rng, today } = this;
    const target = 100 * this.n;
    const eligible = this.projects
      .map((p, index) => {
        const days: number[] = [];
        for (let d = p.startDay; d <= p.workTo; d++) if (isWorkday(d)) days.push(d);
        const loggers = p.team.filter((m) => m.logsTime);
        return { p, index, days, loggers, weight: days.length * loggers.length };
      })
      .filter((e) => e.weight > 0);
    const totalWeight = eligible.reduce((s, e) => s + e.weight, 0);
    const counts = eligible.map((e) => (target * e.weight) / totalWeight);
    const floors = counts.map(Math.floor);
    let remainder = target - floors.reduce((s, c) => s + c, 0);
    const byFraction = counts.map((c, i) => ({ i, f: c - Math.floor(c) })).sort((a, b) => b.f - a.f || a.i - b.i);
    for (const { i } of byFraction) {
      if (remainder-- <= 0) break;
      floors[i]++;
    }

    interface Draft { p: ProjectPlan; index: number; m: Member; day: number; minutes: number; billable: boolean; notes: string }
    const drafts: Draft[] = [];
    eligible.forEach((e, k) => {
      for (let i = 0; i < floors[k]; i++) {
        drafts.push({
          p: e.p,
          index: e.index,
          m: rng.pick(e.loggers),
          day: rng.pick(e.days),
          minutes: 30 * rng.int(2, 16),
          billable: e.p.contract !== 'Fixed Fee' && rng.chance(0.93),
          notes: rng.pick(TIME_NOTES),
        });
      }
    });
    drafts.sort((a, b) => a.day - b.day || a.index - b.index || Number(a.m.user.id) - Number(b.m.user.id));

    drafts.forEach((d, i) => {
      const invoiceable = d.billable && d.p.contract !== 'Fixed Fee';
      const age = today - d.day;
      let status: PsaTimeStatus;
      if (invoiceable && d.day <= d.p.invoicedThrough) status = 'invoiced';
      else if (age <= 2) status = rng.chance(0.6) ? 'draft' : 'submitted';
      else if (age <= 9) status = rng.chance(0.8) ? 'submitted' : 'approved';
      else status = rng.chance(0.015) ? 'rejected' : 'approved';
      const created = this.stamp(d.day, 17 * 3600 + rng.int(0, 3 * 3600));
      this.timeEntries.push({
        id: String(100001 + i),
        user_id: d.m.user.id,
        workspace_id: d.p.workspace!.id,
        date_performed: isoDay(d.day),
        time_in_minutes: d.minutes,
        billable: d.billable,
        notes: d.notes,
        status,
        invoice_reference: null,
        created_at: created,
        updated_at: status === 'draft' ? created : this.stamp(Math.min(today, d.day + rng.int(1, 6))),
      });
    });
  }

  // ---- invoices and payments ---------------------------------------------

  private buildInvoices(): void {
    const { today } = this;
    const projectByWorkspace = new Map(this.projects.map((p) => [p.workspace!.id, p]));
    const groups = new Map<string, InvoicePlan>();
    for (const e of this.timeEntries) {
      if (e.status !== 'invoiced') continue;
      const p = projectByWorkspace.get(e.workspace_id)!;
      const key = `${e.workspace_id}|${e.date_performed.slice(0, 7)}`;
      let plan = groups.get(key);
      if (!plan) {
        const periodEnd = addMonths(firstOfMonth(dayFromIso(e.date_performed)), 1) - 1;
        plan = { project: p, tranDay: periodEnd + 1, dueDay: periodEnd + 31, kind: 'time', lines: [], totalCents: 0, entries: [] };
        groups.set(key, plan);
      }
      plan.entries.push(e);
    }
    for (const plan of groups.values()) {
      const byUser = new Map<string, number>();
      for (const e of plan.entries) byUser.set(e.user_id, (byUser.get(e.user_id) ?? 0) + e.time_in_minutes);
      const month = monthLabel(plan.tranDay - 1);
      for (const [userId, minutes] of [...byUser].sort((a, b) => Number(a[0]) - Number(b[0]))) {
        const m = plan.project.team.find((t) => t.user.id === userId)!;
        const amountCents = (minutes * m.rateCents) / 60;
        plan.lines.push({
          description: `Professional services ${month}: ${m.user.full_name} (${m.role})`,
          quantity: minutes / 60,
          rate: m.rateCents / 100,
          amount: amountCents / 100,
          custcol_psa_user_id: userId,
        });
        plan.totalCents += amountCents;
      }
      this.invoices.push(plan);
    }

    for (const p of this.projects) {
      if (p.contract !== 'Fixed Fee' || p.status === 'Pending') continue;
      const days = [p.startDay + 30, p.startDay + Math.round((p.endDay - p.startDay) / 2), p.endDay];
      const first = Math.round(p.originalBudgetCents * 0.3);
      const second = Math.round(p.originalBudgetCents * 0.4);
      const amounts = [first, second, p.originalBudgetCents - first - second];
      days.forEach((day, k) => {
        if (day >= today || (p.status === 'Cancelled' && day > p.endDay) || day > p.workTo + 1) return;
        this.invoices.push({
          project: p,
          tranDay: day,
          dueDay: day + 30,
          kind: 'milestone',
          totalCents: amounts[k],
          entries: [],
          lines: [
            {
              description: `Milestone ${k + 1} of 3: ${MILESTONES[k]}`,
              quantity: 1,
              rate: amounts[k] / 100,
              amount: amounts[k] / 100,
              custcol_psa_user_id: null,
            },
          ],
        });
      });
    }

    this.invoices.sort((a, b) => a.tranDay - b.tranDay || Number(a.project.job!.id) - Number(b.project.job!.id));
    this.invoices.forEach((plan, i) => {
      const id = String(20001 + i);
      const customer = plan.project.account.customer!;
      plan.record = {
        id,
        tranId: `INV-${10001 + i}`,
        entity: customer.id,
        job: plan.project.job!.id,
        status: 'Open',
        tranDate: isoDay(plan.tranDay),
        dueDate: isoDay(plan.dueDay),
        total: plan.totalCents / 100,
        amountRemaining: plan.totalCents / 100,
        currency: customer.currency,
        custbody_blocked_reason: null,
        lines: plan.lines.map((l, k) => ({ line: k + 1, ...l })),
        lastModifiedDate: this.stamp(plan.tranDay, 9 * 3600),
      };
      for (const e of plan.entries) e.invoice_reference = id;
    });
  }

  private settleInvoices(): void {
    const { rng, today, n } = this;
    type Outcome = 'paid' | 'partial' | 'unpaid';
    const recent = this.invoices.filter((i) => i.kind === 'time' && i.tranDay >= today - 35 && i.project.account.kind === 'active');
    const blocked = new Set(rng.sample(recent, Math.max(1, Math.round(n / 25))));
    const drafts = new Set(rng.sample(recent.filter((i) => !blocked.has(i)), Math.max(1, Math.round(n / 50))));
    const outcome = new Map<InvoicePlan, Outcome>();

    for (const plan of this.invoices) {
      const inv = plan.record!;
      if (blocked.has(plan)) {
        inv.status = 'Pending Approval';
        inv.custbody_blocked_reason = rng.pick(BLOCKED_REASONS);
        continue;
      }
      if (drafts.has(plan)) {
        inv.status = 'Pending Approval';
        continue;
      }
      const kind = plan.project.account.kind;
      const r = rng.next();
      let o: Outcome;
      if (kind === 'former') o = 'paid';
      else if (plan.dueDay >= today) o = r < 0.05 ? 'partial' : 'unpaid';
      else if (kind === 'on-hold') o = r < 0.4 ? 'partial' : 'unpaid';
      else if (today - plan.dueDay >= 90) o = r < 0.97 ? 'paid' : r < 0.99 ? 'partial' : 'unpaid';
      else o = r < 0.8 ? 'paid' : r < 0.9 ? 'partial' : 'unpaid';
      outcome.set(plan, o);
    }

    const pastDue = [...outcome.keys()].filter((p) => p.dueDay < today && p.project.account.kind === 'active');
    const ensure = (want: Outcome, min: number) => {
      const have = [...outcome.values()].filter((o) => o === want).length;
      const spare = pastDue.filter((p) => outcome.get(p) === 'paid');
      for (const p of rng.sample(spare, Math.max(0, min - have))) outcome.set(p, want);
    };
    ensure('partial', Math.max(2, Math.round(n / 12)));
    ensure('unpaid', Math.max(2, Math.round(n / 12)));
    const notDue = [...outcome.keys()].filter((p) => p.dueDay >= today && p.project.account.kind === 'active');
    const partlyPaidNotDue = notDue.filter((p) => outcome.get(p) === 'partial').length;
    const wanted = Math.max(2, Math.round(n / 25)) - partlyPaidNotDue;
    for (const p of rng.sample(notDue.filter((x) => outcome.get(x) === 'unpaid'), Math.max(0, wanted))) outcome.set(p, 'partial');

    const pending: { plan: InvoicePlan; day: number; cents: number }[] = [];
    for (const [plan, o] of outcome) {
      const total = plan.totalCents;
      const payDay = (from: number) => Math.max(plan.tranDay, Math.min(today - 1, from));
      if (o === 'paid') {
        const day = payDay(plan.tranDay + rng.int(10, 45));
        if (rng.chance(0.1)) {
          const first = Math.round((total * 0.6) / 100) * 100;
          pending.push({ plan, day, cents: first });
          pending.push({ plan, day: payDay(day + rng.int(5, 20)), cents: total - first });
        } else pending.push({ plan, day, cents: total });
      } else if (o === 'partial') {
        let cents = Math.round((total * rng.int(30, 70)) / 100 / 100) * 100;
        if (cents <= 0 || cents >= total) cents = Math.floor(total / 2);
        pending.push({ plan, day: payDay(plan.tranDay + rng.int(10, 40)), cents });
      }
    }
    pending.sort((a, b) => a.day - b.day || Number(a.plan.record!.id) - Number(b.plan.record!.id));
    const firstPaymentId = 20001 + this.invoices.length;
    const paidCents = new Map<InvoicePlan, number>();
    pending.forEach((p, i) => {
      const inv = p.plan.record!;
      this.payments.push({
        id: String(firstPaymentId + i),
        customer: inv.entity,
        custbody_invoice: inv.id,
        payment: p.cents / 100,
        tranDate: isoDay(p.day),
        currency: inv.currency,
        lastModifiedDate: this.stamp(p.day, 10 * 3600),
      });
      paidCents.set(p.plan, (paidCents.get(p.plan) ?? 0) + p.cents);
      inv.lastModifiedDate = this.stamp(p.day, 10 * 3600);
    });
    for (const [plan, cents] of paidCents) {
      const inv = plan.record!;
      const remaining = plan.totalCents - cents;
      inv.amountRemaining = remaining / 100;
      if (remaining === 0) inv.status = 'Paid In Full';
    }
  }

  private writeBackReceivables(): void {
    const today = isoDay(this.today);
    const byCustomer = new Map<string, ErpInvoice[]>();
    for (const { record } of this.invoices) {
      const list = byCustomer.get(record!.entity) ?? [];
      list.push(record!);
      byCustomer.set(record!.entity, list);
    }
    for (const a of this.accounts) {
      if (!a.customer) continue;
      const list = byCustomer.get(a.customer.id) ?? [];
      const open = list.filter((i) => i.status === 'Open' || i.status === 'Pending Approval');
      a.record!.AR_Balance__c = Math.round(open.reduce((s, i) => s + i.amountRemaining * 100, 0)) / 100;
      const latest = list[list.length - 1];
      a.record!.Invoice_Status__c = latest ? canonicalInvoiceStatus(latest, today) : null;
    }
  }

  // ---- helpers ------------------------------------------------------------

  private stamp(day: number, second?: number): string {
    return isoDateTime(day, second ?? this.rng.int(8 * 3600, 19 * 3600));
  }

  private sfStamp(day: number): string {
    return this.stamp(day).replace('Z', '+0000');
  }
}

/**
 * The canonical status an invoice has on `today` (`YYYY-MM-DD`): the rule the
 * seed uses for `Invoice_Status__c` (adapters own the real mapping).
 */
export function canonicalInvoiceStatus(inv: Pick<ErpInvoice, 'status' | 'custbody_blocked_reason' | 'dueDate' | 'total' | 'amountRemaining'>, today: string): string {
  if (inv.status === 'Voided') return 'VOID';
  if (inv.status === 'Paid In Full') return 'PAID';
  if (inv.custbody_blocked_reason) return 'BLOCKED';
  if (inv.status === 'Pending Approval') return 'DRAFT';
  if (inv.amountRemaining > 0 && inv.dueDate !== null && inv.dueDate < today) return 'OVERDUE';
  if (inv.amountRemaining < inv.total) return 'PARTIALLY_PAID';
  return 'ISSUED';
}

function subsidiaryFor(currency: string) {
  return SUBSIDIARIES.find((s) => s.currency === currency) ?? SUBSIDIARIES[0];
}

/** A rate-card rate in whole currency units, rounded to 5. */
function rateFor(rateUsd: number, currency: string, discount: number): number {
  return Math.round((rateUsd * (RATE_FACTOR[currency] ?? 1) * discount) / 5) * 5;
}

function ascii(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}

function slug(s: string): string {
  return ascii(s.replace(/\s+/g, ''));
}
