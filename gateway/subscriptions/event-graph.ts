/**
 * The event graph: the supergraph plus one synthetic subgraph that can only
 * hand out the entities events are about. Each subscription field
 * `f(args): T` of the supergraph gets a root query field
 * `_subscriptionEvents_f: [T]!` owned by the synthetic subgraph, where T is
 * declared with its key fields only (`@key(..., resolvable: false)`). Planning
 * `query { f: _subscriptionEvents_f { <the subscriber's selection> } }` over
 * this graph makes Apollo's query planner fetch the key fields from the
 * synthetic subgraph (answered in-process with the events' representations)
 * and everything else through `_entities` on the subgraphs that own it: one
 * fetch per subgraph and level for a whole batch of events
 * (docs/decisions/0009-federated-subscriptions.md).
 *
 * Built by editing the supergraph's AST rather than recomposing: a supergraph
 * composed elsewhere is all a gateway may have, and subgraphs extracted from a
 * supergraph do not always compose again (provided @external fields).
 */
import {
  Kind,
  parse,
  print,
  type ConstDirectiveNode,
  type DocumentNode,
  type EnumTypeDefinitionNode,
  type FieldDefinitionNode,
  type ObjectTypeDefinitionNode,
  type TypeNode,
} from 'graphql';

/** Name of the synthetic subgraph in the event graph (its join__Graph value is upper-cased). */
export const EVENTS_SUBGRAPH = 'subscription_events';
/** Prefix of the synthetic root query fields. */
export const EVENT_FIELD_PREFIX = '_subscriptionEvents_';

/** A subscription field the gateway can serve from events. */
export interface EventFieldInfo {
  /** the Subscription field */
  field: string;
  /** the event graph's root query field that lists the events' entities */
  queryField: string;
  /** the entity type the field returns */
  typeName: string;
  /** the key fields an event's representation must carry (besides `__typename`) */
  keyFields: string[];
  /** the subgraph that declares the subscription field */
  subgraph: string;
}

export interface EventGraph {
  /** the supergraph SDL the event resolver plans over */
  supergraphSdl: string;
  /** servable subscription fields by name */
  fields: Map<string, EventFieldInfo>;
  /** subscription fields that cannot be served, with the reason */
  unsupported: Map<string, string>;
}

type DirectiveArg = string | boolean | undefined;

function argOf(d: ConstDirectiveNode, name: string): DirectiveArg {
  const v = d.arguments?.find((a) => a.name.value === name)?.value;
  if (!v) return undefined;
  if (v.kind === Kind.STRING || v.kind === Kind.ENUM) return v.value;
  if (v.kind === Kind.BOOLEAN) return v.value;
  return undefined;
}

function directive(name: string, args: Record<string, { enum: string } | string | boolean>): ConstDirectiveNode {
  return {
    kind: Kind.DIRECTIVE,
    name: { kind: Kind.NAME, value: name },
    arguments: Object.entries(args).map(([k, v]) => ({
      kind: Kind.ARGUMENT,
      name: { kind: Kind.NAME, value: k },
      value:
        typeof v === 'boolean'
          ? { kind: Kind.BOOLEAN, value: v }
          : typeof v === 'string'
            ? { kind: Kind.STRING, value: v }
            : { kind: Kind.ENUM, value: v.enum },
    })),
  };
}

function named(type: TypeNode): { name: string; list: boolean } {
  let list = false;
  let t = type;
  while (t.kind !== Kind.NAMED_TYPE) {
    if (t.kind === Kind.LIST_TYPE) list = true;
    t = t.type;
  }
  return { name: t.name.value, list };
}

const joinTypes = (node: { directives?: readonly ConstDirectiveNode[] }) => (node.directives ?? []).filter((d) => d.name.value === 'join__type');
const joinFields = (node: { directives?: readonly ConstDirectiveNode[] }) => (node.directives ?? []).filter((d) => d.name.value === 'join__field');

/** Top-level field names of a key's field set, or null when it selects into objects. */
function flatKeyFields(fields: string): string[] | null {
  const op = parse(`{ ${fields} }`).definitions[0];
  if (op.kind !== Kind.OPERATION_DEFINITION) return null;
  const names: string[] = [];
  for (const s of op.selectionSet.selections) {
    if (s.kind !== Kind.FIELD || s.selectionSet) return null;
    names.push(s.name.value);
  }
  return names;
}

/** Derives the event graph of a supergraph (see the file comment). */
export function buildEventGraph(supergraphSdl: string): EventGraph {
  const doc = parse(supergraphSdl);
  const fields = new Map<string, EventFieldInfo>();
  const unsupported = new Map<string, string>();

  const types = new Map<string, ObjectTypeDefinitionNode>();
  let graphEnum: EnumTypeDefinitionNode | undefined;
  let subscriptionName = 'Subscription';
  let queryName = 'Query';
  for (const def of doc.definitions) {
    if (def.kind === Kind.OBJECT_TYPE_DEFINITION) types.set(def.name.value, def);
    if (def.kind === Kind.ENUM_TYPE_DEFINITION && def.name.value === 'join__Graph') graphEnum = def;
    if (def.kind === Kind.SCHEMA_DEFINITION) {
      for (const op of def.operationTypes) {
        if (op.operation === 'subscription') subscriptionName = op.type.name.value;
        if (op.operation === 'query') queryName = op.type.name.value;
      }
    }
  }
  const subscription = types.get(subscriptionName);
  if (!graphEnum || !subscription || !types.get(queryName)) return { supergraphSdl, fields, unsupported };

  const graphNames = new Map<string, string>();
  for (const v of graphEnum.values ?? []) {
    const g = v.directives?.find((d) => d.name.value === 'join__graph');
    graphNames.set(v.name.value, String(g ? argOf(g, 'name') : v.name.value.toLowerCase()));
  }
  if ([...graphNames.values()].includes(EVENTS_SUBGRAPH)) {
    throw new Error(`the supergraph already has a subgraph named "${EVENTS_SUBGRAPH}", which the gateway's subscriptions need for themselves`);
  }
  let graphValue = EVENTS_SUBGRAPH.toUpperCase();
  while (graphNames.has(graphValue)) graphValue += '_';

  // which subscription fields can be served, and what each needs
  const subscriptionGraphs = joinTypes(subscription).map((d) => String(argOf(d, 'graph')));
  const keyed = new Map<string, string[]>(); // entity type -> key fields the events carry
  for (const f of subscription.fields ?? []) {
    const owners = joinFields(f).map((d) => String(argOf(d, 'graph')));
    const owner = owners[0] ?? (subscriptionGraphs.length === 1 ? subscriptionGraphs[0] : undefined);
    const { name: typeName, list } = named(f.type);
    const type = types.get(typeName);
    const reason = (() => {
      if (list) return `it returns a list (${print(f.type)}); only a single entity per event is supported`;
      if (!type) return `${typeName} is not an object type`;
      const keys = joinTypes(type).filter((d) => argOf(d, 'key') !== undefined && argOf(d, 'resolvable') !== false);
      const key = keys.find((d) => argOf(d, 'graph') === owner) ?? keys[0];
      if (!key) return `${typeName} is not an entity with a resolvable @key`;
      const flat = flatKeyFields(String(argOf(key, 'key')));
      if (!flat) return `the key of ${typeName} ("${argOf(key, 'key')}") selects into objects; only keys of scalar fields are supported`;
      const earlier = keyed.get(typeName);
      if (earlier && earlier.join(' ') !== flat.join(' ')) return `another subscription field uses another key of ${typeName}`;
      keyed.set(typeName, flat);
      fields.set(f.name.value, {
        field: f.name.value,
        queryField: `${EVENT_FIELD_PREFIX}${f.name.value}`,
        typeName,
        keyFields: flat,
        subgraph: owner ? (graphNames.get(owner) ?? owner) : 'unknown',
      });
      return undefined;
    })();
    if (reason) unsupported.set(f.name.value, reason);
  }
  if (fields.size === 0) return { supergraphSdl, fields, unsupported };

  const g = { enum: graphValue };
  /** Every field without @join__field is in all the type's graphs: say so explicitly before adding a graph. */
  const pinFields = (type: ObjectTypeDefinitionNode, extra: (f: FieldDefinitionNode) => boolean): FieldDefinitionNode[] => {
    const graphs = joinTypes(type).map((d) => String(argOf(d, 'graph')));
    return (type.fields ?? []).map((f) => {
      const has = joinFields(f).length > 0;
      const add = [...(has ? [] : graphs.map((x) => directive('join__field', { graph: { enum: x } }))), ...(extra(f) ? [directive('join__field', { graph: g })] : [])];
      return add.length ? { ...f, directives: [...(f.directives ?? []), ...add] } : f;
    });
  };

  const definitions = doc.definitions.map((def) => {
    if (def === graphEnum) {
      return {
        ...graphEnum,
        values: [
          ...(graphEnum.values ?? []),
          { kind: Kind.ENUM_VALUE_DEFINITION, name: { kind: Kind.NAME, value: graphValue }, directives: [directive('join__graph', { name: EVENTS_SUBGRAPH, url: 'http://subscription-events.invalid' })] },
        ],
      } satisfies EnumTypeDefinitionNode;
    }
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION) return def;
    if (def.name.value === queryName) {
      const added: FieldDefinitionNode[] = [...fields.values()].map((info) => ({
        kind: Kind.FIELD_DEFINITION,
        name: { kind: Kind.NAME, value: info.queryField },
        arguments: [],
        type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.LIST_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: info.typeName } } } },
        directives: [directive('join__field', { graph: g })],
      }));
      return { ...def, directives: [...(def.directives ?? []), directive('join__type', { graph: g })], fields: [...pinFields(def, () => false), ...added] };
    }
    const keyFields = keyed.get(def.name.value);
    if (keyFields) {
      return {
        ...def,
        directives: [...(def.directives ?? []), directive('join__type', { graph: g, key: keyFields.join(' '), resolvable: false })],
        fields: pinFields(def, (f) => keyFields.includes(f.name.value)),
      };
    }
    return def;
  });
  return { supergraphSdl: print({ ...doc, definitions } as DocumentNode), fields, unsupported };
}
