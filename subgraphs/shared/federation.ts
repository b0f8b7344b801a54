import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { parse, type GraphQLSchema } from 'graphql';
import { buildSchema, createResolversMap, type BuildSchemaOptions } from 'type-graphql';
import { authChecker } from './auth';

/** The Federation version every Tandem subgraph links, and the directives it imports. */
export const FEDERATION_LINK = '@link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])';

export type ReferenceResolvers = Record<string, { __resolveReference: (ref: any, ctx: any, info: any) => unknown }>;

/**
 * Builds a Federation 2 subgraph schema from type-graphql resolvers: type-graphql
 * builds the schema, its SDL (with the @key/@shareable directives) is handed to
 * `buildSubgraphSchema` together with the resolvers and the entities'
 * `__resolveReference` functions. Fields declared `@Authorized(scope)` are
 * checked where they resolve (auth/authorize.ts).
 */
export async function buildFederatedSchema(
  options: Omit<BuildSchemaOptions, 'skipCheck' | 'authChecker'>,
  referenceResolvers: ReferenceResolvers = {},
): Promise<GraphQLSchema> {
  // every `@Authorized(scope)` is checked by the one auth checker (auth/authorize.ts)
  const schema = await buildSchema({ ...options, skipCheck: true, validate: false, authChecker });
  const resolvers = createResolversMap(schema) as GraphQLResolverMap<unknown>;
  for (const [typeName, ref] of Object.entries(referenceResolvers)) {
    resolvers[typeName] = { ...(resolvers[typeName] as object), ...ref } as never;
  }
  return buildSubgraphSchema({
    typeDefs: parse(`extend schema ${FEDERATION_LINK}\n${printSchemaWithDirectives(schema)}`),
    resolvers,
  });
}
