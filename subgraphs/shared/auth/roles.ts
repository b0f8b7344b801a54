/**
 * Tandem's roles and scopes. A field declares the scope it needs next to its
 * definition (`@Authorized(SCOPE.financeRead)`); a caller's token names its
 * roles, and each role grants the scopes below. This table is the one place
 * that says who may do what (README "Security" prints it).
 */

/** What a caller may read or do. */
export const SCOPE = {
  /** customers, opportunities, projects, resources, assignments, time, invoices: their ordinary fields */
  graphRead: 'graph:read',
  /** personal data of people: Resource.email */
  personalRead: 'personal:read',
  /** tax ids, cost rates, margins */
  financeRead: 'finance:read',
  /** the sync mutations: upsertCustomer, convertOpportunity, approveChangeOrder, assignResource, submitTimeEntries, approveTimeEntries, generateInvoices */
  syncWrite: 'sync:write',
  /** recordPayment */
  paymentsWrite: 'payments:write',
  /** sync transactions (status, steps, errors), integration health, operational metrics */
  opsRead: 'ops:read',
  /** what sync transactions sent to the systems: SyncTransaction.input and .calls */
  opsPayloads: 'ops:payloads',
  /** replaySyncTransaction */
  opsReplay: 'ops:replay',
  /** auditLog */
  auditRead: 'audit:read',
} as const;

export type Scope = (typeof SCOPE)[keyof typeof SCOPE];

export const ROLES = ['portal', 'bi', 'account-team', 'integrator', 'finance', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The scopes each role grants. `portal` also sees only its own customer's rows (row-level; see row-level.ts). */
export const ROLE_SCOPES: Readonly<Record<Role, readonly Scope[]>> = Object.freeze({
  portal: [SCOPE.graphRead],
  bi: [SCOPE.graphRead, SCOPE.opsRead],
  'account-team': [SCOPE.graphRead, SCOPE.personalRead, SCOPE.opsRead],
  integrator: [SCOPE.graphRead, SCOPE.syncWrite, SCOPE.opsRead],
  finance: [SCOPE.graphRead, SCOPE.financeRead, SCOPE.paymentsWrite, SCOPE.opsRead],
  admin: [SCOPE.graphRead, SCOPE.opsRead, SCOPE.opsPayloads, SCOPE.opsReplay, SCOPE.auditRead],
});

/** What each role is for (the start banner and README). */
export const ROLE_PURPOSE: Readonly<Record<Role, string>> = Object.freeze({
  portal: "a customer portal: that customer's data only (the token's customerId)",
  bi: 'reporting: everything except personal and secret fields',
  'account-team': 'account managers: the graph, people, sync status',
  integrator: 'systems that write: the sync mutations',
  finance: 'tax ids, cost rates, margins, payments',
  admin: 'operations: replay, dead letters, payloads, audit',
});

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
