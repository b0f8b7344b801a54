/**
 * Enforcement where the data is resolved: the type-graphql auth checker
 * (fields and mutations declared with `@Authorized(scope)`), the same scope
 * check for entity references, and the row-level rule of the portal role.
 */
import type { AuthChecker } from 'type-graphql';
import type { SubgraphContext } from '../context';
import { ForbiddenError, rolesText } from './forbidden';
import { SCOPE, type Scope } from './roles';

function deny(ctx: SubgraphContext, operation: string, error: ForbiddenError): never {
  ctx.denials.push({ operation, detail: error.message });
  throw error;
}

/** Throws FORBIDDEN (and records the denial) unless the caller holds one of `scopes`. */
export function requireScope(ctx: SubgraphContext, scopes: readonly Scope[], operation: string): void {
  const held = ctx.principal.scopes;
  for (const s of scopes) if (held.has(s)) return;
  deny(
    ctx,
    operation,
    new ForbiddenError(`${operation} needs the ${scopes.join(' or ')} scope, which ${rolesText(ctx.principal)} do${ctx.principal.roles.length === 1 ? 'es' : ''} not grant`, {
      requiredScopes: scopes,
      reason: 'scope',
    }),
  );
}

/** type-graphql's auth checker: `@Authorized(SCOPE.x, ...)` means any of the scopes listed. */
export const authChecker: AuthChecker<SubgraphContext, Scope> = ({ context, info }, scopes) => {
  requireScope(context, scopes, `${info.parentType.name}.${info.fieldName}`);
  return true;
};

/** Whether the caller may see the rows of customer `customerId` (always, except under the portal's row-level rule). */
export function canSeeCustomer(ctx: SubgraphContext, customerId: string | null | undefined): boolean {
  const p = ctx.principal;
  return !p.rowLevel || (p.customerId !== null && p.customerId === customerId);
}

/**
 * The row-level rule for one row: a portal caller sees only its customer's
 * rows; anything else is FORBIDDEN (null with the error), and recorded.
 */
export function requireCustomer(ctx: SubgraphContext, customerId: string | null | undefined, operation: string, what: string): void {
  if (canSeeCustomer(ctx, customerId)) return;
  const p = ctx.principal;
  deny(
    ctx,
    operation,
    new ForbiddenError(
      p.customerId ? `${what} belongs to another customer; this portal token only sees customer ${p.customerId}` : `${what}: this portal token names no customer (customerId claim), so it sees no customer's data`,
      { reason: 'row-level' },
    ),
  );
}

/**
 * The row-level rule when finding the row's customer costs a read: the read
 * happens only for a caller under the rule (a portal token).
 */
export async function requireCustomerOf(
  ctx: SubgraphContext,
  operation: string,
  what: string,
  customerIdOf: () => Promise<string | null | undefined>,
): Promise<void> {
  if (!ctx.principal.rowLevel) return;
  requireCustomer(ctx, await customerIdOf(), operation, what);
}

/** An entity reference (`_entities`) resolved here: the graph:read scope, then the row-level rule. */
export async function guardReference(
  ctx: SubgraphContext,
  typeName: string,
  id: string,
  customerIdOf?: () => Promise<string | null | undefined>,
): Promise<void> {
  requireScope(ctx, [SCOPE.graphRead], `${typeName} (entity reference)`);
  if (customerIdOf) await requireCustomerOf(ctx, `${typeName} (entity reference)`, `${typeName} ${id}`, customerIdOf);
}
