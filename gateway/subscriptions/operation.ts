/**
 * A subscription operation as the event resolver runs it: the root field's
 * selection moved onto the event graph's root query field, with the variables
 * and fragments it still uses; the root field's arguments (filters and `since`)
 * stay with the source.
 */
import { createHash } from 'node:crypto';
import {
  GraphQLError,
  Kind,
  print,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { getArgumentValues } from 'graphql/execution/values';
import type { EventFieldInfo } from './event-graph';

export interface PreparedSubscription {
  /** the Subscription field */
  field: string;
  /** the key the client's response has the field under (its alias or name) */
  responseKey: string;
  /** the field's arguments, coerced (variables applied) */
  args: Record<string, unknown>;
  /** the query run over the event graph for a batch of events */
  query: string;
  document: DocumentNode;
  operationName: string | undefined;
  /** the variables that query uses */
  variables: Record<string, unknown>;
  /** sha256 of query and variables: subscribers with equal selections share a resolution */
  selectionHash: string;
}

/** The single root field of a subscription operation (fragments at the root included). */
export function rootField(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>): FieldNode | undefined {
  for (const s of selectionSet.selections) {
    if (s.kind === Kind.FIELD) return s;
    const inner = s.kind === Kind.INLINE_FRAGMENT ? s.selectionSet : fragments.get(s.name.value)?.selectionSet;
    const f = inner && rootField(inner, fragments);
    if (f) return f;
  }
  return undefined;
}

/**
 * Prepares a validated subscription operation. `variables` must already be
 * coerced (getVariableValues). Throws a GraphQLError for a bad argument value.
 */
export function prepareSubscription(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  info: EventFieldInfo,
): PreparedSubscription {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const field = rootField(operation.selectionSet, fragments);
  const fieldDef = schema.getSubscriptionType()?.getFields()[info.field];
  if (!field || !fieldDef) throw new GraphQLError(`The operation does not select the subscription field "${info.field}"`);
  const args = getArgumentValues(fieldDef, field, variables);

  const responseKey = field.alias?.value ?? field.name.value;
  const eventsField: FieldNode = {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: responseKey },
    name: { kind: Kind.NAME, value: info.queryField },
    arguments: [],
    directives: field.directives,
    selectionSet: field.selectionSet,
  };
  const body: SelectionSetNode = { kind: Kind.SELECTION_SET, selections: [eventsField] };

  // the fragments and variables the new selection still uses
  const usedFragments = new Set<string>();
  const usedVariables = new Set<string>();
  const walk = (node: SelectionSetNode | FragmentDefinitionNode | FieldNode) =>
    visit(node, {
      FragmentSpread(s) {
        if (!usedFragments.has(s.name.value)) {
          usedFragments.add(s.name.value);
          const f = fragments.get(s.name.value);
          if (f) walk(f);
        }
      },
      Variable(v) {
        usedVariables.add(v.name.value);
      },
    });
  walk(eventsField);

  const derived: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: 'query' as OperationDefinitionNode['operation'],
        name: operation.name,
        variableDefinitions: (operation.variableDefinitions ?? []).filter((v) => usedVariables.has(v.variable.name.value)),
        directives: [],
        selectionSet: body,
      },
      ...[...fragments.values()].filter((f) => usedFragments.has(f.name.value)),
    ],
  };
  const query = print(derived);
  const used: Record<string, unknown> = {};
  for (const name of usedVariables) if (name in variables) used[name] = variables[name];
  const selectionHash = createHash('sha256').update(query).update('\u0000').update(JSON.stringify(used)).digest('hex');
  return { field: info.field, responseKey, args, query, document: derived, operationName: operation.name?.value, variables: used, selectionHash };
}
