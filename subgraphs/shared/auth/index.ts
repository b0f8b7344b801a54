/** Authorization in the subgraphs: roles and scopes, the auth checker, the row-level rule, the audit trail. */
export { SCOPE, ROLES, ROLE_SCOPES, ROLE_PURPOSE, isRole } from './roles';
export type { Scope, Role } from './roles';
export { principalFromClaims } from './principal';
export type { Principal } from './principal';
export { ForbiddenError } from './forbidden';
export type { Denial } from './forbidden';
export { authChecker, requireScope, requireCustomer, requireCustomerOf, canSeeCustomer, guardReference } from './authorize';
export { auditPlugin, createAuditLog, redactSecrets, AUDIT_KINDS } from './audit';
export type { AuditLog, AuditKind, AuditRecord, AuditEntryRecord, AuditPage } from './audit';
