import { readFileSync } from 'node:fs';
import type { GraphQLObjectType } from 'graphql';
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
`;

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
