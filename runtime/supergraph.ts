import { existsSync } from 'node:fs';
import path from 'node:path';
import { printSubgraphSchema } from '@apollo/subgraph';
import { composeSupergraph } from '../gateway';
import { buildSubgraph, DEFAULT_SUBGRAPH_PORTS, SUBGRAPH_NAMES } from '../subgraphs';

/** The repository root (where package.json is), from source or from dist/. */
export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + __dirname);
    dir = up;
  }
  return dir;
}

/** Path of the committed supergraph: the contract `npm run schema:check` guards. */
export function committedSupergraphPath(): string {
  return path.join(repoRoot(), 'supergraph.graphql');
}

/**
 * Composes Tandem's supergraph from the subgraph schemas built in-process, with
 * the default routing URLs, without starting any server.
 */
export async function composeTandemSupergraph(host = '127.0.0.1'): Promise<string> {
  const subgraphs = [];
  for (const name of SUBGRAPH_NAMES) {
    subgraphs.push({
      name,
      url: `http://${host}:${DEFAULT_SUBGRAPH_PORTS[name]}/graphql`,
      typeDefs: printSubgraphSchema(await buildSubgraph(name)),
    });
  }
  return composeSupergraph(subgraphs);
}
