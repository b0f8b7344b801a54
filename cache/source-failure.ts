import type { SourceSystem } from '../canonical-schema';

/** What a reader tells its caller about a source system that failed it. */
export type SourceFailureCode = 'SOURCE_UNAVAILABLE' | 'SOURCE_RATE_LIMITED' | 'SOURCE_BAD_RESPONSE';

export interface SourceFailure {
  code: SourceFailureCode;
  system: SourceSystem;
  message: string;
  /** True when cached data was served in place of the failed read. */
  servedStale: boolean;
}

/**
 * Error thrown for a key that could be neither read from its system nor served
 * from the cache. Subgraphs turn it into a GraphQL error with `extensions.code`
 * and `extensions.system`.
 */
export class SourceReadError extends Error {
  constructor(
    readonly code: SourceFailureCode,
    readonly system: SourceSystem,
    message: string,
  ) {
    super(message);
    this.name = 'SourceReadError';
  }
}

/** Maps an adapter error (`SourceError` from adapters/) to the code clients see. */
export function classifySourceError(err: unknown, system: SourceSystem): SourceReadError {
  if (err instanceof SourceReadError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const detail = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'RATE_LIMITED':
      return new SourceReadError('SOURCE_RATE_LIMITED', system, `${system} is rate limiting Tandem: ${detail}`);
    case 'BAD_RESPONSE':
    case 'REJECTED':
      return new SourceReadError('SOURCE_BAD_RESPONSE', system, `${system} sent a response Tandem could not read: ${detail}`);
    case 'UNAUTHORIZED':
      return new SourceReadError('SOURCE_UNAVAILABLE', system, `${system} rejected Tandem's credentials: ${detail}`);
    default:
      return new SourceReadError('SOURCE_UNAVAILABLE', system, `${system} is unavailable: ${detail}`);
  }
}
