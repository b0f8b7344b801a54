import { readFileSync } from 'node:fs';
import type { GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType } from 'graphql';
import { apiSchemaOf, checkSupergraph, formatSchemaCheck } from '../../gateway';
import { committedSupergraphPath, composeTandemSupergraph } from '../../runtime';

test('the composed supergraph is the committed supergraph.graphql (run `npm run schema:update` to accept a change)', async () => {
  const composed = await composeTandemSupergraph();
  const result = checkSupergraph(readFileSync(committedSupergraphPath(), 'utf8'), composed);
  if (!result.identical) throw new Error(`supergraph.graphql is out of date:\n${formatSchemaCheck(result)}`);
  expect(result.breaking).toEqual([]);
});

/** The read side of the API contract in DESIGN.md: type.field(args): type. */
const CONTRACT = `
Query.customer(id: ID!, consistency: Consistency = CACHED): Customer
Query.customers(first: Int, after: String, filter: CustomerFilter): CustomerConnection!
Query.opportunity(id: ID!): Opportunity
Query.project(id: ID!): Project
Query.resource(id: ID!): Resource
Query.resources(skill: String, first: Int, after: String): ResourceConnection!
Query.invoice(id: ID!): Invoice
Customer.projects(status: ProjectStatus): [Project!]!
Customer.opportunities(stage: OpportunityStage): [Opportunity!]!
Customer.invoices(status: InvoiceStatus): [Invoice!]!
Customer.arBalance: Money!
Customer.freshness: Freshness!
Customer.externalIds: [ExternalId!]!
Customer.parent: Customer
Opportunity.customer: Customer!
Opportunity.project: Project
Project.customer: Customer!
Project.opportunity: Opportunity
Project.changeOrders: [ChangeOrder!]!
Project.assignments: [Assignment!]!
Project.timeEntries(status: TimeEntryStatus): [TimeEntry!]!
Project.invoices: [Invoice!]!
Project.unbilledAmount: Money!
Assignment.project: Project!
Assignment.resource: Resource!
TimeEntry.resource: Resource!
TimeEntry.project: Project!
Invoice.customer: Customer!
Invoice.project: Project
Invoice.lines: [InvoiceLine!]!
InvoiceLine.resource: Resource
Mutation.upsertCustomer(input: CustomerInput!, idempotencyKey: String!): SyncTransaction!
Mutation.convertOpportunity(opportunityId: ID!, idempotencyKey: String!): SyncTransaction!
Mutation.approveChangeOrder(input: ChangeOrderInput!, idempotencyKey: String!): SyncTransaction!
Mutation.assignResource(input: AssignmentInput!, idempotencyKey: String!): SyncTransaction!
Mutation.submitTimeEntries(entries: [TimeEntryInput!]!, idempotencyKey: String!): SyncTransaction!
Mutation.approveTimeEntries(ids: [ID!]!, idempotencyKey: String!): SyncTransaction!
Mutation.generateInvoices(projectId: ID!, periodEnd: Date!, idempotencyKey: String!): SyncTransaction!
Mutation.recordPayment(invoiceId: ID!, amount: Decimal!, idempotencyKey: String!): SyncTransaction!
Mutation.replaySyncTransaction(id: ID!): SyncTransaction!
Query.syncTransaction(id: ID!): SyncTransaction
Query.syncTransactions(status: SyncStatus, workflow: String, first: Int, after: String): SyncTransactionConnection
Query.integrationHealth: [SystemHealth!]
Query.operationalMetrics: OperationalMetrics
SyncTransaction.id: ID!
SyncTransaction.workflow: String!
SyncTransaction.status: SyncStatus!
SyncTransaction.idempotencyKey: String!
SyncTransaction.steps: [SyncStep!]!
SyncTransaction.error: SyncError
SyncTransaction.traceId: String!
SyncTransaction.createdAt: DateTime!
SyncTransaction.finishedAt: DateTime
SyncStep.name: String!
SyncStep.system: SourceSystem!
SyncStep.status: SyncStatus!
SyncStep.attempts: Int!
SyncStep.lastError: String
SyncError.code: String!
SyncError.message: String!
SyncError.remediation: String
SystemHealth.system: SourceSystem!
SystemHealth.circuit: CircuitState!
SystemHealth.latencyP50Ms: Float
SystemHealth.errorRate: Float!
OperationalMetrics.opportunitiesAwaitingProject: Int!
OperationalMetrics.invoicesBlocked: Int!
OperationalMetrics.syncBacklog: Int!
OperationalMetrics.deadLettered: Int!
OperationalMetrics.oldestPendingSeconds: Float
`;

/** Input types and enums of the contract: name → fields (type) or values. */
const CONTRACT_INPUTS: Record<string, string[]> = {
  MoneyInput: ['amount: Decimal!', 'currency: String!'],
  AddressInput: ['line1: String!', 'city: String!', 'postalCode: String', 'country: String!'],
  CustomerInput: ['id: ID', 'name: String!', 'legalName: String', 'legalEntity: String', 'taxId: String', 'currency: String!', 'billingAddress: AddressInput', 'parentId: ID'],
  ChangeOrderInput: ['projectId: ID!', 'budgetDelta: MoneyInput!', 'description: String!'],
  AssignmentInput: ['projectId: ID!', 'resourceId: ID!', 'role: String!', 'plannedHours: Float!', 'billRate: MoneyInput'],
  TimeEntryInput: ['resourceId: ID!', 'projectId: ID!', 'date: Date!', 'hours: Float!', 'billable: Boolean!', 'notes: String'],
};
const CONTRACT_ENUMS: Record<string, string[]> = {
  SyncStatus: ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'DEAD_LETTERED', 'COMPENSATED'],
  CircuitState: ['CLOSED', 'OPEN', 'HALF_OPEN'],
};

test('the supergraph keeps the contract input types and enums', async () => {
  const schema = apiSchemaOf(await composeTandemSupergraph());
  for (const [name, fields] of Object.entries(CONTRACT_INPUTS)) {
    const type = schema.getType(name) as GraphQLInputObjectType | undefined;
    const actual = type ? Object.values(type.getFields()).map((f) => `${f.name}: ${String(f.type)}`) : [];
    expect({ name, fields: actual }).toEqual({ name, fields });
  }
  for (const [name, values] of Object.entries(CONTRACT_ENUMS)) {
    const type = schema.getType(name) as GraphQLEnumType | undefined;
    expect({ name, values: type?.getValues().map((v) => v.name) }).toEqual({ name, values });
  }
});

test('SyncTransaction is an entity keyed by id, and every mutation provides its submit-time fields', async () => {
  const sdl = await composeTandemSupergraph();
  expect(sdl).toMatch(/type SyncTransaction\s[^{]*@join__type\(graph: OPERATIONS, key: "id"\)/);
  const provides = sdl.match(/@join__field\(graph: \w+, provides: "[^"]+"\)/g) ?? [];
  expect(provides.length).toBe(8);
});

test('the supergraph keeps the public API contract', async () => {
  const schema = apiSchemaOf(await composeTandemSupergraph());
  for (const line of CONTRACT.trim().split('\n')) {
    const m = /^(\w+)\.(\w+)(?:\((.*)\))?: (.+)$/.exec(line)!;
    const [, typeName, fieldName, args, returnType] = m;
    const field = (schema.getType(typeName) as GraphQLObjectType).getFields()[fieldName];
    expect(field ? `${typeName}.${fieldName}: ${String(field.type)}` : `${line} missing`).toBe(`${typeName}.${fieldName}: ${returnType}`);
    for (const arg of args ? args.split(', ') : []) {
      const [, name, type, dflt] = /^(\w+): ([^=]+?)(?: = (\w+))?$/.exec(arg)!;
      const actual = field.args.find((a) => a.name === name);
      expect(actual ? `${fieldName}(${name}: ${String(actual.type)})` : `${fieldName}(${name}) missing`).toBe(`${fieldName}(${name}: ${type})`);
      if (dflt) expect(actual!.defaultValue).toBe(dflt);
    }
  }
});
