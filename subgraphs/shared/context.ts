import type { Reader } from '../../cache';
import type { Logger } from '../../lib';

/** What every subgraph resolver receives: the request's reader over the canonical cache. */
export interface SubgraphContext {
  reader: Reader;
  requestId: string;
  logger: Logger;
}
