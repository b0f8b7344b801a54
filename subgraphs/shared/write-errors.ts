import { GraphQLError } from 'graphql';

/** An id argument that no system knows: `extensions.code` NOT_FOUND, with the argument and the id. */
export class NotFoundError extends GraphQLError {
  constructor(argumentName: string, entity: string, id: string) {
    super(`No ${entity} with id "${id}" (argument "${argumentName}")`, {
      extensions: { code: 'NOT_FOUND' as const, argumentName, id },
    });
  }
}

/**
 * A mutation refused by a business rule before anything was recorded
 * (`OPPORTUNITY_NOT_CLOSED_WON`, `PAYMENT_EXCEEDS_BALANCE`, `STAFFING_REFUSED`, ...).
 */
export class RuleViolationError extends GraphQLError {
  constructor(code: string, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extensions } });
  }
}

/** The idempotency key was used before for another workflow or input. */
export class IdempotencyKeyReusedError extends GraphQLError {
  constructor(message: string, idempotencyKey: string, existingTransactionId: string) {
    super(message, {
      extensions: { code: 'IDEMPOTENCY_KEY_REUSED' as const, argumentName: 'idempotencyKey', idempotencyKey, existingTransactionId },
    });
  }
}

/**
 * Bad input found beyond the canonical validators: BAD_USER_INPUT, shaped like
 * a canonical validation error (`argumentName` the argument, `field` the path in it).
 */
export class BadInputError extends GraphQLError {
  constructor(field: string, message: string) {
    super(`Invalid argument "${field}": ${message}`, {
      extensions: { code: 'BAD_USER_INPUT' as const, argumentName: field.split('.')[0], field },
    });
  }
}
