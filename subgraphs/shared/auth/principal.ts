import { isRole, ROLE_SCOPES, type Role, type Scope } from './roles';

/** The caller of a subgraph request, from the claims the gateway signed. */
export interface Principal {
  /** The token's subject, e.g. alice@example.com. */
  subject: string;
  roles: readonly Role[];
  scopes: ReadonlySet<Scope>;
  /** Row-level: when set, only this customer's rows are visible (the portal role). */
  customerId: string | null;
  /** True when the caller sees only `customerId`'s rows (a portal token; without a customerId it sees none). */
  rowLevel: boolean;
  /** How the gateway established it: a verified bearer token, authentication off, or the gateway itself. */
  via: 'bearer' | 'none' | 'service';
  /** Who asked, as recorded on sync transactions: `subject (role, role)`. */
  display: string;
}

function rolesOf(claims: Record<string, unknown>): Role[] {
  const raw = claims.roles ?? claims.role;
  const names = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/[\s,]+/) : [];
  return [...new Set(names.filter(isRole))];
}

/**
 * Reads a principal from verified claims: `sub`, `roles` (an array, or a
 * space/comma separated string; `role` also works), `customerId` for portal
 * tokens. Unknown roles grant nothing. With authentication off (`auth: none`)
 * the subject is `fallbackCaller` when given (the x-tandem-caller header).
 */
export function principalFromClaims(claims: Record<string, unknown>, fallbackCaller?: string): Principal {
  const via = claims.auth === 'bearer' ? 'bearer' : claims.auth === 'service' ? 'service' : 'none';
  const subject = via === 'none' && fallbackCaller ? fallbackCaller : typeof claims.sub === 'string' && claims.sub ? claims.sub : 'anonymous';
  const roles = rolesOf(claims);
  const scopes = new Set<Scope>(roles.flatMap((r) => ROLE_SCOPES[r]));
  const customer = claims.customerId ?? claims.customer_id;
  const rowLevel = roles.includes('portal');
  return {
    subject,
    roles,
    scopes,
    customerId: rowLevel && typeof customer === 'string' && customer ? customer : null,
    rowLevel,
    via,
    display: via !== 'none' && roles.length ? `${subject} (${roles.join(', ')})` : subject,
  };
}
