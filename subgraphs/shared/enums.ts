import { registerEnumType } from 'type-graphql';
import {
  ASSIGNMENT_STATUSES,
  CONTRACT_TYPES,
  CUSTOMER_STATUSES,
  INVOICE_STATUSES,
  OPPORTUNITY_STAGES,
  PROJECT_STATUSES,
  SOURCE_SYSTEMS,
  TIME_ENTRY_STATUSES,
} from '../../canonical-schema';

function enumOf<T extends string>(values: readonly T[]): { [K in T]: K } {
  return Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };
}

// GraphQL enums built from the canonical value lists, so the graph and the
// canonical model can never disagree on a value.
export const SourceSystem = enumOf(SOURCE_SYSTEMS);
export const Consistency = enumOf(['CACHED', 'FRESH'] as const);
export const CustomerStatus = enumOf(CUSTOMER_STATUSES);
export const OpportunityStage = enumOf(OPPORTUNITY_STAGES);
export const ProjectStatus = enumOf(PROJECT_STATUSES);
export const ContractType = enumOf(CONTRACT_TYPES);
export const AssignmentStatus = enumOf(ASSIGNMENT_STATUSES);
export const TimeEntryStatus = enumOf(TIME_ENTRY_STATUSES);
export const InvoiceStatus = enumOf(INVOICE_STATUSES);

registerEnumType(SourceSystem, { name: 'SourceSystem', description: 'A system of record Tandem federates' });
registerEnumType(Consistency, {
  name: 'Consistency',
  description: 'CACHED reads the canonical cache (refreshing stale rows); FRESH reads the system of record',
});
registerEnumType(CustomerStatus, { name: 'CustomerStatus' });
registerEnumType(OpportunityStage, { name: 'OpportunityStage' });
registerEnumType(ProjectStatus, { name: 'ProjectStatus' });
registerEnumType(ContractType, { name: 'ContractType' });
registerEnumType(AssignmentStatus, { name: 'AssignmentStatus' });
registerEnumType(TimeEntryStatus, { name: 'TimeEntryStatus' });
registerEnumType(InvoiceStatus, { name: 'InvoiceStatus' });
