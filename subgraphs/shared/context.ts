import type { Reader } from '../../cache';
import type { Logger } from '../../lib';
import type { SyncEngine } from '../../sync';

/** What every subgraph resolver receives: the request's reader over the canonical cache, and the sync engine for writes. */
export interface SubgraphContext {
  reader: Reader;
  requestId: string;
  logger: Logger;
  /** The write side: mutations submit commands here (never to a source system). */
  sync: SyncEngine;
  /** Who asks: the `x-tandem-caller` header, or `anonymous` (governance fills this in later). */
  caller: string;
  /** The W3C trace id of the request (from `traceparent`), when the caller sent one. */
  traceId: string | undefined;
}
