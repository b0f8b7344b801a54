export { PsaAdapter } from './psa-adapter';
export { PsaSystemApi, createPsaAdapter, PSA_WRITE_CONCURRENCY } from './psa-writer';
export { KantataClient, KANTATA_ONLY_LIMIT, KANTATA_MAX_PER_PAGE, isKantataId } from './kantata-client';
export type { KantataListParams, KantataPage, KantataWriteOptions } from './kantata-client';
export {
  ASSIGNMENT_STATUS,
  TIME_ENTRY_STATUS,
  WORKSPACE_STATUS,
  minutesToHours,
  hoursToMinutes,
  userToResource,
  workspaceProjectId,
  workspaceResourceToAssignment,
  timeEntryToCanonical,
  resourceToUser,
  projectToWorkspace,
  assignmentToWorkspaceResource,
  timeEntryToPsa,
  workspaceStatusBody,
  workspaceBudgetBody,
  timeEntryStatusBody,
  workspaceBudget,
  weeklyCapacityHours,
  DEFAULT_WEEKLY_CAPACITY_HOURS,
} from './psa-mapper';
export {
  KANTATA_API,
  KANTATA_SCHEMAS,
  userWire,
  workspaceWire,
  workspaceResourceWire,
  timeEntryWire,
  envelopeWire,
} from './psa-wire';
export type {
  KantataObject,
  KantataRecord,
  Envelope,
  RawEnvelope,
  UserWire,
  WorkspaceWire,
  WorkspaceResourceWire,
  TimeEntryWire,
  UserBody,
  WorkspaceBody,
  WorkspaceResourceBody,
  TimeEntryBody,
} from './psa-wire';
