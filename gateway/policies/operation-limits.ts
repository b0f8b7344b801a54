/**
 * Limits an operation must be within before it is executed: document size,
 * depth, aliases and cost, each refused with its own code and the measured
 * value (errors.ts).
 *
 * Cost: every field that returns an object costs 1 for each time it can occur.
 * A list field with a `first`/`last` argument holds that many items (its
 * default, or `defaultListSize`, when the caller sends none); an object field
 * with one is a connection: the lists directly under it (`edges`, `nodes`)
 * hold that many. Any other list holds `defaultListSize`. Scalars cost nothing.
 */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { OperationLimitError } from './errors';

export interface OperationLimits {
  /** Deepest field nesting. @default 15 */
  maxDepth: number;
  /** Highest cost (see above). @default 250000 */
  maxCost: number;
  /** Most aliased fields, counted as executed (fragments once per use). @default 50 */
  maxAliases: number;
  /** Largest operation text, in bytes. @default 32768 */
  maxDocumentBytes: number;
  /** How many items a list without `first` is assumed to hold. @default 10 */
  defaultListSize: number;
}

export const DEFAULT_OPERATION_LIMITS: Readonly<OperationLimits> = Object.freeze({
  maxDepth: 15,
  maxCost: 250_000,
  maxAliases: 50,
  maxDocumentBytes: 32_768,
  defaultListSize: 10,
});

export interface OperationMeasure {
  depth: number;
  aliases: number;
  cost: number;
  /** True when the walk stopped early (a document that expands without bound): cost and aliases are lower bounds. */
  truncated: boolean;
}

/** Fields visited at most; a document that expands beyond this (fragment bombs) is over every limit anyway. */
const MAX_VISITS = 50_000;

/**
 * Measures one operation of a parsed document. Fragment spreads are followed
 * where used (a cycle is cut, not followed: validation refuses it later).
 */
export function measureOperation(
  document: DocumentNode,
  options: { schema?: GraphQLSchema; operationName?: string | null; variables?: Record<string, unknown> | null; defaultListSize: number },
): OperationMeasure | undefined {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    else if (def.kind === Kind.OPERATION_DEFINITION) {
      if (options.operationName ? def.name?.value === options.operationName : !operation) operation = def;
    }
  }
  if (!operation) return undefined;
  const schema = options.schema;
  const variables = options.variables ?? {};
  const m: OperationMeasure = { depth: 0, aliases: 0, cost: 0, truncated: false };
  let visits = 0;
  const onPath = new Set<string>();

  const countOf = (field: FieldNode, def: GraphQLField<unknown, unknown> | undefined): number | undefined => {
    for (const arg of field.arguments ?? []) {
      if (arg.name.value !== 'first' && arg.name.value !== 'last') continue;
      const v = arg.value.kind === Kind.VARIABLE ? variables[arg.value.name.value] : valueFromASTUntyped(arg.value);
      if (typeof v === 'number' && Number.isFinite(v)) return Math.max(0, Math.floor(v));
    }
    const argDef = def?.args.find((a) => a.name === 'first' || a.name === 'last');
    if (!argDef) return undefined;
    return typeof argDef.defaultValue === 'number' ? argDef.defaultValue : options.defaultListSize;
  };

  const walk = (set: SelectionSetNode, parent: GraphQLCompositeType | undefined, depth: number, multiplicity: number, underConnection: boolean): void => {
    for (const sel of set.selections) {
      if (m.truncated) return;
      if (sel.kind === Kind.FIELD) {
        if (++visits > MAX_VISITS) {
          m.truncated = true;
          return;
        }
        if (sel.alias) m.aliases++;
        if (depth > m.depth) m.depth = depth;
        if (!sel.selectionSet) continue;
        const def = parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[sel.name.value] : undefined;
        const nullable = def ? getNullableType(def.type) : undefined;
        const isList = nullable ? isListType(nullable) : false;
        const count = countOf(sel, def);
        const named = def ? getNamedType(def.type) : undefined;
        const childType = named && isCompositeType(named) ? named : undefined;
        if (count !== undefined && !isList) {
          // a connection: one object, whose lists hold `count` items
          m.cost += multiplicity;
          walk(sel.selectionSet, childType, depth + 1, multiplicity * count, true);
        } else {
          const here = multiplicity * (count ?? (isList ? (underConnection ? 1 : options.defaultListSize) : 1));
          m.cost += here;
          walk(sel.selectionSet, childType, depth + 1, here, false);
        }
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const cond = sel.typeCondition && schema?.getType(sel.typeCondition.name.value);
        walk(sel.selectionSet, cond && isCompositeType(cond) ? cond : parent, depth, multiplicity, underConnection);
      } else {
        const name = sel.name.value;
        const frag = fragments.get(name);
        if (!frag || onPath.has(name)) continue;
        onPath.add(name);
        const cond = schema?.getType(frag.typeCondition.name.value);
        walk(frag.selectionSet, cond && isCompositeType(cond) ? cond : parent, depth, multiplicity, underConnection);
        onPath.delete(name);
      }
    }
  };

  const root = schema ? (operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType()) : undefined;
  walk(operation.selectionSet, root ?? undefined, 1, 1, false);
  return m;
}

/** Refuses a document over `maxDocumentBytes` (before parsing). */
export function checkDocumentSize(source: string, limits: Pick<OperationLimits, 'maxDocumentBytes'>): void {
  // UTF-8 length without encoding (upper bound first: most documents are far under it)
  const bytes = source.length * 3 <= limits.maxDocumentBytes ? source.length : Buffer.byteLength(source, 'utf8');
  if (bytes > limits.maxDocumentBytes) {
    throw new OperationLimitError('DOCUMENT_TOO_LARGE', `The operation is ${bytes} bytes long; the limit is ${limits.maxDocumentBytes}`, bytes, limits.maxDocumentBytes);
  }
}

/** Refuses a measured operation over a limit, naming the measured value and the limit. */
export function checkMeasure(m: OperationMeasure, limits: OperationLimits, which: { shape: boolean; cost: boolean }): void {
  if (which.shape && m.depth > limits.maxDepth) {
    throw new OperationLimitError('OPERATION_TOO_DEEP', `The operation is ${m.depth} fields deep; the limit is ${limits.maxDepth}`, m.depth, limits.maxDepth);
  }
  if (which.shape && m.aliases > limits.maxAliases) {
    throw new OperationLimitError('TOO_MANY_ALIASES', `The operation uses ${m.truncated ? 'at least ' : ''}${m.aliases} aliases; the limit is ${limits.maxAliases}`, m.aliases, limits.maxAliases);
  }
  if (which.cost && (m.cost > limits.maxCost || m.truncated)) {
    throw new OperationLimitError(
      'OPERATION_TOO_COSTLY',
      `The operation costs ${m.truncated ? 'more than ' : ''}${m.cost} (each object field once per item its lists can hold); the limit is ${limits.maxCost}. Ask for fewer items (first:) or fewer nested lists`,
      m.cost,
      limits.maxCost,
    );
  }
}

/**
 * The Apollo Server plugin that applies the limits, once the operation is
 * resolved and before it is planned or executed. (Apollo Server turns an error
 * thrown by an earlier hook into a 500; parsing is bounded by `maxTokens` and
 * validation is cheap next to execution, so checking here costs nothing.)
 * Depth and aliases are measured once per document; cost on every request,
 * since it depends on the variables.
 */
export function operationLimitsPlugin(limits: OperationLimits): ApolloServerPlugin<BaseContext> {
  const shapeChecked = new WeakSet<DocumentNode>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ source, document, request, schema }) {
          checkDocumentSize(source, limits);
          checkParsedOperation(limits, { document, schema, operationName: request.operationName, variables: request.variables }, shapeChecked);
        },
      };
    },
  };
}

/**
 * Depth, aliases and cost of a parsed operation (refuses with OperationLimitError).
 * With `shapeChecked`, depth and aliases are measured once per document (they do
 * not depend on the variables); cost every time.
 */
export function checkParsedOperation(
  limits: OperationLimits,
  op: { document: DocumentNode; schema?: GraphQLSchema; operationName?: string | null; variables?: Record<string, unknown> | null },
  shapeChecked?: WeakSet<DocumentNode>,
): void {
  const m = measureOperation(op.document, { schema: op.schema, operationName: op.operationName, variables: op.variables, defaultListSize: limits.defaultListSize });
  if (!m) return;
  checkMeasure(m, limits, { shape: !shapeChecked?.has(op.document), cost: true });
  shapeChecked?.add(op.document);
}
