/**
 * Persisted operations. `apq`: automatic persisted queries (Apollo Server's:
 * a client sends the sha256 of an operation, and the text once when the
 * gateway does not know it yet). `safelist`: only the operations of a manifest
 * run, by hash or by their exact text; nothing can be registered at run time.
 * `off`: full text only.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { NotInSafelistError } from './errors';

export type PersistedQueriesMode = 'apq' | 'safelist' | 'off';

export interface PersistedOperationsOptions {
  /** @default 'apq' */
  mode: PersistedQueriesMode;
  /** In safelist mode: the registered operations, by the sha256 (hex) of their text. */
  safelist?: ReadonlyMap<string, string>;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Reads a safelist: an Apollo persisted query manifest
 * (`{ "format": "apollo-persisted-query-manifest", "operations": [{ "id", "body", ... }] }`),
 * or a JSON array of operation texts. Each id must be the sha256 of its body.
 */
export function loadSafelist(path: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`safelist ${path}: ${(err as Error).message}`);
  }
  const list = new Map<string, string>();
  const operations: unknown[] = Array.isArray(parsed) ? parsed : Array.isArray((parsed as { operations?: unknown })?.operations) ? (parsed as { operations: unknown[] }).operations : [];
  if (!Array.isArray(parsed) && !Array.isArray((parsed as { operations?: unknown })?.operations)) {
    throw new Error(`safelist ${path}: expected a persisted query manifest ({ "operations": [...] }) or an array of operation texts`);
  }
  operations.forEach((op, i) => {
    const body = typeof op === 'string' ? op : (op as { body?: unknown })?.body;
    if (typeof body !== 'string' || body.trim() === '') throw new Error(`safelist ${path}: operation ${i} has no body`);
    const hash = sha256Hex(body);
    const id = typeof op === 'string' ? hash : (op as { id?: unknown }).id;
    if (id !== undefined && id !== hash) throw new Error(`safelist ${path}: operation ${i} has id ${String(id)}, but the sha256 of its body is ${hash}`);
    list.set(hash, body);
  });
  return list;
}

/**
 * A read-only APQ cache over the safelist: hashes of registered operations
 * resolve; nothing is ever stored. (Apollo Server prefixes the keys it asks
 * for with `apq:`.)
 */
class SafelistCache {
  constructor(private readonly list: ReadonlyMap<string, string>) {}
  async get(key: string): Promise<string | undefined> {
    return this.list.get(key.startsWith('apq:') ? key.slice(4) : key);
  }
  async set(): Promise<void> {}
  async delete(): Promise<boolean> {
    return false;
  }
}

/** Apollo Server's `persistedQueries` option for a mode. */
export function persistedQueriesOption(options: PersistedOperationsOptions): false | { cache?: SafelistCache; ttl?: number | null } {
  if (options.mode === 'off') return false;
  if (options.mode === 'safelist') return { cache: new SafelistCache(options.safelist ?? new Map()), ttl: null };
  return { ttl: 24 * 3600 };
}

/**
 * In safelist mode, refuses every operation whose text is not registered,
 * before it is planned or executed (a hook before this one cannot answer 400:
 * Apollo Server turns what they throw into a 500).
 */
export function safelistPlugin(list: ReadonlyMap<string, string>): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ queryHash }) {
          if (!queryHash || !list.has(queryHash)) throw new NotInSafelistError(queryHash ?? '');
        },
      };
    },
  };
}
