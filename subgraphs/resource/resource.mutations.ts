import { Arg, Authorized, Ctx, Directive, ID, Mutation, Resolver } from 'type-graphql';
import { SCOPE } from '../shared/auth';
import { z } from 'zod';
import { assignmentInputSchema, idempotencyKeySchema, timeEntryInputSchema, validate, type Assignment, type Project, type Resource } from '../../canonical-schema';
import { checkStaffing } from '../../sync';
import type { SubgraphContext } from '../shared/context';
import { PROVIDES_SYNC, SyncTransactionRef, submitSync } from '../shared/sync';
import { describe, requireEntity } from '../shared/write-checks';
import { BadInputError, RuleViolationError } from '../shared/write-errors';
import { AssignmentInput, TimeEntryInput } from './resource.input';

type StaffingFacts = Parameters<typeof checkStaffing>[0];

/** Most entries or ids one mutation takes. */
export const MAX_BATCH = 500;

const CLOSED = new Set(['COMPLETED', 'CANCELLED']);

function requireOpenProject(project: Project, argumentName: string, doing: string): void {
  if (CLOSED.has(project.status)) {
    throw new RuleViolationError('PROJECT_CLOSED', `${describe('Project', project.code, project.name)} is ${project.status}; ${doing} needs an open project`, { argumentName });
  }
}

/**
 * The staffing facts as the cache knows them, for the same check the staffing
 * workflow runs on the PSA's own facts (the workflow has the last word; this
 * refuses early what would be refused anyway).
 */
async function cachedStaffingFacts(ctx: SubgraphContext, project: Project, resource: Resource): Promise<StaffingFacts> {
  const open = (entries: { value: Assignment }[]) => entries.map((e) => e.value).filter((a) => a.status !== 'CANCELLED');
  const [resourceAssignments, workspaceAssignments] = await Promise.all([
    ctx.reader.children('assignment', 'resourceId', resource.id).then(open),
    ctx.reader.children('assignment', 'projectId', project.id).then(open),
  ]);
  return {
    resource,
    workspace: {
      psaWorkspaceId: project.externalIds.find((e) => e.system === 'PSA')?.id ?? project.code,
      budget: project.budget,
      startDate: project.startDate,
      endDate: project.endDate,
      status: project.status.toLowerCase(),
    },
    resourceAssignments,
    workspaceAssignments,
    weeklyCapacityHours: DEFAULT_WEEKLY_CAPACITY_HOURS,
  };
}

/** The PSA's default weekly capacity of a person (the cache does not hold the per-user setting). */
const DEFAULT_WEEKLY_CAPACITY_HOURS = 40;

const timeEntriesSchema = z.array(timeEntryInputSchema).min(1, 'must list at least one entry').max(MAX_BATCH, `must list at most ${MAX_BATCH} entries`);
const idsSchema = z.array(z.string().min(1, 'must not be empty')).min(1, 'must list at least one id').max(MAX_BATCH, `must list at most ${MAX_BATCH} ids`);

@Resolver()
export class ResourceMutations {
  @Authorized(SCOPE.syncWrite)
  @Directive(PROVIDES_SYNC)
  @Mutation(() => SyncTransactionRef, {
    description:
      'Staffs a resource on a project in the PSA after checking availability, bill rate (at or above the rate card) and budget (workflow staffing). Returns the sync transaction at once (PENDING).',
  })
  async assignResource(
    @Arg('input', () => AssignmentInput) input: AssignmentInput,
    @Arg('idempotencyKey') idempotencyKey: string,
    @Ctx() ctx: SubgraphContext,
  ): Promise<SyncTransactionRef> {
    const key = validate(idempotencyKeySchema, idempotencyKey, 'idempotencyKey');
    const assignment = validate(assignmentInputSchema, { ...input, billRate: input.billRate ? { ...input.billRate } : input.billRate }, 'input');
    const [project, resource] = await Promise.all([
      requireEntity(ctx, 'project', assignment.projectId, 'input.projectId'),
      requireEntity(ctx, 'resource', assignment.resourceId, 'input.resourceId'),
    ]);
    requireOpenProject(project, 'input', 'staffing');
    const decision = checkStaffing(await cachedStaffingFacts(ctx, project, resource), { plannedHours: assignment.plannedHours, billRate: assignment.billRate });
    if (!decision.ok) {
      throw new RuleViolationError('STAFFING_REFUSED', `Staffing ${describe('resource', resource.id, resource.name)} on ${describe('project', project.code, project.name)} refused: ${decision.reason}`, {
        argumentName: 'input',
        reason: decision.code,
      });
    }
    return submitSync(ctx, 'staffing', assignment, key);
  }

  @Authorized(SCOPE.syncWrite)
  @Directive(PROVIDES_SYNC)
  @Mutation(() => SyncTransactionRef, {
    description: 'Records time entries in the PSA as SUBMITTED, all or none (workflow time-submission). Returns the sync transaction at once (PENDING).',
  })
  async submitTimeEntries(
    @Arg('entries', () => [TimeEntryInput]) input: TimeEntryInput[],
    @Arg('idempotencyKey') idempotencyKey: string,
    @Ctx() ctx: SubgraphContext,
  ): Promise<SyncTransactionRef> {
    const key = validate(idempotencyKeySchema, idempotencyKey, 'idempotencyKey');
    const entries = validate(timeEntriesSchema, input.map((e) => ({ ...e })), 'entries');
    const perDay = new Map<string, number>();
    entries.forEach((e, i) => {
      const k = `${e.resourceId}:${e.date}`;
      const total = (perDay.get(k) ?? 0) + e.hours;
      if (total > 24) throw new BadInputError(`entries.${i}.hours`, `the entries of resource ${e.resourceId} on ${e.date} add up to more than 24 hours`);
      perDay.set(k, total);
    });
    const firstIndex = (field: 'resourceId' | 'projectId', id: string) => entries.findIndex((e) => e[field] === id);
    const projectIds = [...new Set(entries.map((e) => e.projectId))];
    const resourceIds = [...new Set(entries.map((e) => e.resourceId))];
    const [projects] = await Promise.all([
      Promise.all(projectIds.map((id) => requireEntity(ctx, 'project', id, `entries.${firstIndex('projectId', id)}.projectId`))),
      Promise.all(resourceIds.map((id) => requireEntity(ctx, 'resource', id, `entries.${firstIndex('resourceId', id)}.resourceId`))),
    ]);
    for (const p of projects) requireOpenProject(p, `entries.${firstIndex('projectId', p.id)}.projectId`, 'recording time');
    return submitSync(ctx, 'time-submission', { entries }, key);
  }

  @Authorized(SCOPE.syncWrite)
  @Directive(PROVIDES_SYNC)
  @Mutation(() => SyncTransactionRef, {
    description: 'Approves SUBMITTED time entries in the PSA (workflow time-approval). Returns the sync transaction at once (PENDING).',
  })
  async approveTimeEntries(
    @Arg('ids', () => [ID]) input: string[],
    @Arg('idempotencyKey') idempotencyKey: string,
    @Ctx() ctx: SubgraphContext,
  ): Promise<SyncTransactionRef> {
    const key = validate(idempotencyKeySchema, idempotencyKey, 'idempotencyKey');
    const ids = [...new Set(validate(idsSchema, input, 'ids'))];
    // status decides: ask the PSA (cached rows stand in if it cannot answer)
    const entries = await Promise.all(ids.map((id) => requireEntity(ctx, 'timeEntry', id, `ids.${input.indexOf(id)}`, { fresh: true })));
    const notSubmitted = entries.filter((e) => e.status !== 'SUBMITTED');
    if (notSubmitted.length > 0) {
      throw new RuleViolationError(
        'TIME_ENTRY_NOT_SUBMITTED',
        `Only SUBMITTED time entries can be approved: ${notSubmitted.map((e) => `${e.id} is ${e.status}`).join(', ')}`,
        { argumentName: 'ids', ids: notSubmitted.map((e) => e.id) },
      );
    }
    return submitSync(ctx, 'time-approval', { ids }, key);
  }
}
