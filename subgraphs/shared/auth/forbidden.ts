import { GraphQLError } from 'graphql';
import type { Principal } from './principal';
import type { Scope } from './roles';

/** A field or row the caller may not see, or a mutation it may not call: the field is null with this error. */
export class ForbiddenError extends GraphQLError {
  constructor(message: string, extensions: { requiredScopes?: readonly Scope[]; reason: 'scope' | 'row-level' }) {
    super(message, { extensions: { code: 'FORBIDDEN' as const, ...extensions } });
  }
}

/** The one denial a request records per field and reason (see audit.ts). */
export interface Denial {
  /** The field: `Customer.taxId`, `Query.customer`, `Mutation.recordPayment` */
  operation: string;
  detail: string;
}

export function rolesText(p: Principal): string {
  return p.roles.length ? `role${p.roles.length > 1 ? 's' : ''} ${p.roles.join(', ')}` : 'no role';
}
