import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { CanonicalValidationError } from '../../canonical-schema';
import { SourceReadError } from '../../cache';

/** A bad argument: `extensions.code` is BAD_USER_INPUT and `extensions.argumentName` names it. */
export class InvalidArgumentError extends GraphQLError {
  constructor(argumentName: string, message: string) {
    super(`Invalid argument "${argumentName}": ${message}`, {
      extensions: { code: 'BAD_USER_INPUT' as const, argumentName },
    });
  }
}

/** A source system could not answer and no cached value could stand in. */
export class SourceFailureError extends GraphQLError {
  constructor(cause: SourceReadError) {
    super(cause.message, { extensions: { code: cause.code, system: cause.system } });
  }
}

/**
 * Apollo `formatError`: turns the errors thrown below the resolvers into the
 * codes clients see, and hides internal errors' details.
 */
export function formatSubgraphError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof SourceReadError) {
    return { ...formatted, message: original.message, extensions: { ...formatted.extensions, code: original.code, system: original.system } };
  }
  if (original instanceof CanonicalValidationError) {
    return {
      ...formatted,
      message: original.message,
      extensions: { ...formatted.extensions, code: 'BAD_USER_INPUT', argumentName: original.field.split('.')[0], field: original.field },
    };
  }
  return formatted;
}
