/**
 * Compares two supergraphs by what clients see: the API schema, with the
 * federation join/link machinery and @inaccessible elements removed.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import {
  findBreakingChanges,
  findDangerousChanges,
  GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isRequiredInputField,
  lexicographicSortSchema,
  printSchema,
} from 'graphql';

export interface SchemaChange {
  /** graphql-js change type (`FIELD_REMOVED`, ...) or, for non-breaking ones, `TYPE_ADDED`, `FIELD_ADDED`, ... */
  type: string;
  description: string;
}

export interface SchemaCheckResult {
  /** True when the API schemas and the supergraph metadata (routing, ownership) are the same. */
  identical: boolean;
  /** True when the API schemas print the same (the supergraph may still differ in routing or ownership). */
  apiIdentical: boolean;
  /** Changes that can break existing operations, on elements that were not deprecated first: refused. */
  breaking: SchemaChange[];
  /** Breaking changes to fields, arguments or enum values the committed schema already marked `@deprecated`: allowed. */
  deprecatedBreaking: SchemaChange[];
  /** Changes that can change how existing operations behave (e.g. an enum value added). */
  dangerous: SchemaChange[];
  /** Additions that cannot break anyone. */
  safe: SchemaChange[];
}

/** Builds the client-facing API schema of a supergraph SDL. */
export function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  return Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
}

export function printApiSchema(supergraphSdl: string): string {
  return printSchema(lexicographicSortSchema(apiSchemaOf(supergraphSdl)));
}

export function checkSupergraph(committedSdl: string, newSdl: string): SchemaCheckResult {
  const before = lexicographicSortSchema(apiSchemaOf(committedSdl));
  const after = lexicographicSortSchema(apiSchemaOf(newSdl));
  const apiIdentical = printSchema(before) === printSchema(after);
  const supergraphIdentical = normaliseSdl(committedSdl) === normaliseSdl(newSdl);
  const allBreaking = apiIdentical ? [] : findBreakingChanges(before, after).map(toChange);
  const breaking = allBreaking.filter((c) => !wasDeprecated(before, c));
  const deprecatedBreaking = allBreaking.filter((c) => wasDeprecated(before, c));
  const dangerous = apiIdentical ? [] : findDangerousChanges(before, after).map(toChange);
  const safe = apiIdentical ? [] : findAdditions(before, after);
  if (!apiIdentical && allBreaking.length + dangerous.length + safe.length === 0) {
    safe.push({ type: 'SCHEMA_CHANGED', description: 'The API schema changed (descriptions, deprecations or directives).' });
  }
  return { identical: apiIdentical && supergraphIdentical, apiIdentical, breaking, deprecatedBreaking, dangerous, safe };
}

/**
 * Whether a breaking change is to a field, argument, input field or enum value
 * that the old schema had already marked `@deprecated` (the governance rule:
 * deprecate first, then remove or change). Type removals never qualify.
 */
function wasDeprecated(before: GraphQLSchema, change: SchemaChange): boolean {
  const d = change.description;
  let m = /^(\w+)\.(\w+) arg (\w+) /.exec(d);
  if (m && (change.type === 'ARG_REMOVED' || change.type === 'ARG_CHANGED_KIND')) {
    const field = fieldsOf(before, m[1])?.[m[2]] as { deprecationReason?: string | null; args?: readonly { name: string; deprecationReason?: string | null }[] } | undefined;
    return !!field && (!!field.deprecationReason || !!field.args?.find((a) => a.name === m![3])?.deprecationReason);
  }
  m = /^(\w+)\.(\w+) (was removed|changed type)/.exec(d);
  if (m && (change.type === 'FIELD_REMOVED' || change.type === 'FIELD_CHANGED_KIND')) {
    return !!(fieldsOf(before, m[1])?.[m[2]] as { deprecationReason?: string | null } | undefined)?.deprecationReason;
  }
  m = /^(\w+) was removed from enum type (\w+)/.exec(d);
  if (m && change.type === 'VALUE_REMOVED_FROM_ENUM') {
    const type = before.getType(m[2]);
    return isEnumType(type) && !!type.getValue(m[1])?.deprecationReason;
  }
  return false;
}

function fieldsOf(schema: GraphQLSchema, typeName: string): Record<string, unknown> | undefined {
  const type = schema.getType(typeName);
  return isObjectType(type) || isInterfaceType(type) || isInputObjectType(type) ? type.getFields() : undefined;
}

/** A human report: breaking changes first, then dangerous, then safe. */
export function formatSchemaCheck(result: SchemaCheckResult): string {
  if (result.identical) return 'Supergraph unchanged.';
  const lines: string[] = [];
  if (result.apiIdentical) {
    lines.push('API schema unchanged, but the supergraph changed (routing URLs or which subgraph owns a field).');
    return lines.join('\n');
  }
  const section = (title: string, changes: SchemaChange[]) => {
    if (changes.length === 0) return;
    lines.push(`${title} (${changes.length}):`);
    for (const c of changes) lines.push(`  - ${c.type}: ${c.description}`);
  };
  section('BREAKING changes', result.breaking);
  section('Breaking changes to deprecated fields (allowed)', result.deprecatedBreaking);
  section('Dangerous changes', result.dangerous);
  section('Safe changes', result.safe);
  return lines.join('\n');
}

export interface RunSchemaCheckOptions {
  /** Path of the committed supergraph SDL file. */
  committedPath: string;
  /** The freshly composed supergraph SDL. */
  newSdl: string;
  /** Write `newSdl` to `committedPath` instead of failing on a change (never a breaking one, unless `allowBreaking`). */
  update: boolean;
  /** With `update`: write even a breaking change to fields that were not deprecated first. */
  allowBreaking?: boolean;
  /** Where the report goes. @default process.stdout */
  out?: { write(text: string): unknown };
}

/** Exit codes of `runSchemaCheck`. */
export const SchemaCheckExit = {
  /** Identical, or the file was updated. */
  OK: 0,
  /** Changed, but nothing breaking. */
  CHANGED: 1,
  /** At least one breaking change to something that was not deprecated first. */
  BREAKING: 2,
  /** No committed supergraph to compare with. */
  MISSING: 3,
} as const;

/** `tandem schema check|update`: compare with the committed supergraph; with `update`, write it. */
export function runSchemaCheck(options: RunSchemaCheckOptions): number {
  const out = options.out ?? process.stdout;
  const { committedPath, newSdl, update } = options;
  if (!existsSync(committedPath)) {
    if (!update) {
      out.write(`No committed supergraph at ${committedPath}. Run the update to create it.\n`);
      return SchemaCheckExit.MISSING;
    }
    writeSdl(committedPath, newSdl);
    out.write(`Wrote ${committedPath} (new).\n`);
    return SchemaCheckExit.OK;
  }
  const result = checkSupergraph(readFileSync(committedPath, 'utf8'), newSdl);
  out.write(`${formatSchemaCheck(result)}\n`);
  if (result.identical) return SchemaCheckExit.OK;
  if (result.breaking.length > 0 && !(update && options.allowBreaking)) {
    out.write(
      `Refused: ${result.breaking.length} breaking change(s) to fields that were not deprecated. Mark the old field @deprecated (and update the ` +
        'committed supergraph) first, then change or remove it' + (update ? '; or pass --allow-breaking to write it anyway.\n' : '.\n'),
    );
    return SchemaCheckExit.BREAKING;
  }
  if (update) {
    writeSdl(committedPath, newSdl);
    out.write(`Wrote ${committedPath}.\n`);
    return SchemaCheckExit.OK;
  }
  out.write(`The supergraph differs from ${committedPath}. If the change is intended, run the update and commit the file.\n`);
  return SchemaCheckExit.CHANGED;
}

function writeSdl(path: string, sdl: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, sdl.endsWith('\n') ? sdl : `${sdl}\n`);
}

function normaliseSdl(sdl: string): string {
  return sdl.replace(/\r\n/g, '\n').trim();
}

function toChange(change: { type: string; description: string }): SchemaChange {
  return { type: change.type, description: change.description };
}

/** Additions graphql-js does not report (it lists only breaking and dangerous changes). */
function findAdditions(before: GraphQLSchema, after: GraphQLSchema): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const oldTypes = before.getTypeMap();
  for (const [name, type] of Object.entries(after.getTypeMap())) {
    if (name.startsWith('__')) continue;
    const old = oldTypes[name];
    if (!old) {
      changes.push({ type: 'TYPE_ADDED', description: `${name} was added.` });
    } else if ((isObjectType(type) || isInterfaceType(type)) && (isObjectType(old) || isInterfaceType(old))) {
      const oldFields = old.getFields();
      for (const field of Object.keys(type.getFields())) {
        if (!oldFields[field]) changes.push({ type: 'FIELD_ADDED', description: `${name}.${field} was added.` });
      }
    } else if (isInputObjectType(type) && isInputObjectType(old)) {
      const oldFields = old.getFields();
      for (const [field, def] of Object.entries(type.getFields())) {
        // A new required input field is breaking and graphql-js reports it.
        if (!oldFields[field] && !isRequiredInputField(def)) {
          changes.push({ type: 'OPTIONAL_INPUT_FIELD_ADDED', description: `${name}.${field} was added (optional).` });
        }
      }
    }
  }
  return changes;
}
