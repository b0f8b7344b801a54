/**
 * Federation 2 composition for any subgraphs listed by name and URL, with the
 * composer's own messages kept on failure.
 */
import { composeServices } from '@apollo/composition';
import { DocumentNode, GraphQLError, parse } from 'graphql';
import { createHttpFetcher, HttpFetcher } from './http-fetcher';

export interface SubgraphDefinition {
  /** Subgraph name as it appears in the supergraph (`join__Graph`). */
  name: string;
  /** Routing URL the gateway sends this subgraph's fetches to. */
  url: string;
  /** The subgraph's SDL (what `{ _service { sdl } }` answers). */
  typeDefs: DocumentNode | string;
}

/** Composition failed; `message` lists every composer error, `errors` keeps them as GraphQLErrors. */
export class CompositionError extends Error {
  constructor(readonly errors: readonly GraphQLError[]) {
    super(`Supergraph composition failed with ${errors.length} error(s):\n${errors.map((e) => `  - ${describe(e)}`).join('\n')}`);
    this.name = 'CompositionError';
  }
}

/** The subgraph's SDL could not be fetched or was not a Federation subgraph answer. */
export class SubgraphSdlError extends Error {
  constructor(
    message: string,
    readonly url: string,
  ) {
    super(message);
    this.name = 'SubgraphSdlError';
  }
}

/** Composes subgraphs into a supergraph SDL. Throws `CompositionError` with the composer's messages. */
export function composeSupergraph(subgraphs: readonly SubgraphDefinition[]): string {
  if (subgraphs.length === 0) throw new CompositionError([new GraphQLError('No subgraphs to compose')]);
  const services = subgraphs.map((s) => {
    try {
      return { name: s.name, url: s.url, typeDefs: typeof s.typeDefs === 'string' ? parse(s.typeDefs) : s.typeDefs };
    } catch (err) {
      throw new CompositionError([new GraphQLError(`[${s.name}] SDL does not parse: ${(err as Error).message}`)]);
    }
  });
  const result = composeServices(services);
  if (result.errors) throw new CompositionError(result.errors);
  return result.supergraphSdl;
}

export const SERVICE_SDL_QUERY = 'query __TandemServiceSdl { _service { sdl } }';

export interface FetchSubgraphSdlOptions {
  /** Extra request headers (e.g. authorization). */
  headers?: Record<string, string>;
  /** @default 10000 */
  timeoutMs?: number;
  /** Reuse a fetcher (and its sockets); a private one is created and destroyed otherwise. */
  fetcher?: HttpFetcher;
}

/** Asks a Federation subgraph for its SDL with `{ _service { sdl } }`. */
export async function fetchSubgraphSdl(url: string, options: FetchSubgraphSdlOptions = {}): Promise<string> {
  const fetcher = options.fetcher ?? createHttpFetcher({ timeoutMs: options.timeoutMs ?? 10_000 });
  try {
    let response: Response;
    try {
      response = await fetcher(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...options.headers },
        body: JSON.stringify({ query: SERVICE_SDL_QUERY }),
      });
    } catch (err) {
      throw new SubgraphSdlError(`Could not fetch the subgraph SDL from ${url}: ${(err as Error).message}`, url);
    }
    const text = await response.text();
    let body: { data?: { _service?: { sdl?: unknown } }; errors?: { message: string }[] };
    try {
      body = JSON.parse(text);
    } catch {
      throw new SubgraphSdlError(`Subgraph at ${url} answered ${response.status} with a body that is not JSON`, url);
    }
    const sdl = body.data?._service?.sdl;
    if (typeof sdl !== 'string') {
      const why = body.errors?.map((e) => e.message).join('; ') || `HTTP ${response.status}`;
      throw new SubgraphSdlError(`Subgraph at ${url} did not return _service.sdl (is it a Federation subgraph?): ${why}`, url);
    }
    return sdl;
  } finally {
    if (!options.fetcher) fetcher.destroy();
  }
}

/** Fetches the SDL of every subgraph that has none, then composes. */
export async function composeFromSubgraphs(
  subgraphs: readonly { name: string; url: string; typeDefs?: DocumentNode | string }[],
  options: FetchSubgraphSdlOptions = {},
): Promise<string> {
  const withSdl = await Promise.all(
    subgraphs.map(async (s) => ({ name: s.name, url: s.url, typeDefs: s.typeDefs ?? (await fetchSubgraphSdl(s.url, options)) })),
  );
  return composeSupergraph(withSdl);
}

function describe(error: GraphQLError): string {
  const code = error.extensions?.code;
  return code ? `[${String(code)}] ${error.message}` : error.message;
}
