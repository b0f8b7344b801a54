export { CanonicalCache } from './read-through';
export type { CacheEntry, ReadResult, ReadOptions, ChildField } from './read-through';
export { Reader } from './reader';
export { SourceReadError, classifySourceError } from './source-failure';
export type { SourceFailure, SourceFailureCode } from './source-failure';
export { DEFAULT_FRESHNESS, freshnessFromEnv } from './config';
export type { FreshnessBudget } from './config';
export { indexAll, scheduleIndexing } from './indexer';
export type { IndexReport } from './indexer';
