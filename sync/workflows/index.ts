import type { WorkflowName } from '../api';
import type { WorkflowDefinition } from '../workflow';
import { invoiceStatus, payment, timeToInvoice } from './billing';
import { changeOrder } from './change-order';
import { customerMaster } from './customer-master';
import { opportunityToProject } from './opportunity-to-project';
import { staffing } from './staffing';
import { timeApproval, timeSubmission } from './time';

export { checkStaffing, DEFAULT_WINDOW_WEEKS } from './staffing-check';
export type { StaffingDecision, StaffingRequest, StaffingRefusalCode, StaffingCheckOptions } from './staffing-check';
export { missingMasterData } from './opportunity-to-project';

/** Every workflow's definition, by name (docs/sync-engine.md "Workflows and their steps"). */
export const WORKFLOW_DEFINITIONS: { [W in WorkflowName]: WorkflowDefinition<W> } = {
  'opportunity-to-project': opportunityToProject,
  'customer-master': customerMaster,
  'change-order': changeOrder,
  staffing,
  'time-submission': timeSubmission,
  'time-approval': timeApproval,
  'time-to-invoice': timeToInvoice,
  payment,
  'invoice-status': invoiceStatus,
};

export function workflowDefinition<W extends WorkflowName>(name: W): WorkflowDefinition<W> {
  const def = WORKFLOW_DEFINITIONS[name];
  if (!def) throw new RangeError(`unknown workflow "${String(name)}"`);
  return def;
}
