import { buildSchema, parse } from 'graphql';
import { checkDocumentSize, checkMeasure, measureOperation, OperationLimitError, DEFAULT_OPERATION_LIMITS } from './index';

const schema = buildSchema(`
  type Query { customers(first: Int): CustomerConnection!  customer(id: ID!): Customer  tags: [String!]! }
  type CustomerConnection { edges: [CustomerEdge!]!  totalCount: Int! }
  type CustomerEdge { node: Customer! }
  type Customer { id: ID!  name: String!  projects: [Project!]!  parent: Customer }
  type Project { code: String!  assignments: [Assignment!]! }
  type Assignment { role: String! }
`);

const measure = (query: string, variables?: Record<string, unknown>) => measureOperation(parse(query), { schema, variables, defaultListSize: 10 })!;

describe('measureOperation', () => {
  it('counts depth, aliases and cost (first: multiplies, lists under a connection do not, other lists by the default size)', () => {
    const m = measure('query($n: Int) { customers(first: $n) { totalCount edges { node { name projects { code assignments { role } } } } } }', { n: 100 });
    // customers 1 + edges 100 + node 100 + projects 100×10 + assignments 1000×10
    expect(m).toEqual({ depth: 6, aliases: 0, cost: 1 + 100 + 100 + 1000 + 10_000, truncated: false });
    expect(measure('{ customers(first: 5) { edges { node { id } } } }').cost).toBe(1 + 5 + 5);
    expect(measure('{ customers { edges { node { id } } } }').cost).toBe(1 + 10 + 10);
  });

  it('follows fragments where they are used, counting their aliases each time, and cuts cycles', () => {
    const m = measure('{ a: customer(id: "1") { ...F } b: customer(id: "2") { ...F } } fragment F on Customer { x: name y: name parent { ...F } }');
    expect(m.aliases).toBe(2 + 2 * 2);
    expect(m.truncated).toBe(false);
    expect(m.depth).toBe(2);
  });

  it('stops walking a document that expands without bound and reports it over the cost limit', () => {
    const frags = Array.from({ length: 30 }, (_, i) => `fragment F${i} on Customer { parent { ...F${i + 1} ...F${i + 1} } }`).join('\n');
    const m = measure(`{ customer(id: "1") { ...F0 } } ${frags} fragment F30 on Customer { id }`);
    expect(m.truncated).toBe(true);
    expect(() => checkMeasure(m, { ...DEFAULT_OPERATION_LIMITS }, { shape: false, cost: true })).toThrow(/costs more than/);
  });
});

describe('checkMeasure and checkDocumentSize', () => {
  const limits = { ...DEFAULT_OPERATION_LIMITS, maxDepth: 3, maxAliases: 1, maxCost: 50, maxDocumentBytes: 100 };
  const codeOf = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(OperationLimitError);
      return (e as OperationLimitError).extensions;
    }
    throw new Error('not refused');
  };

  it('refuses each limit with its own code, the measured value and the limit', () => {
    expect(codeOf(() => checkMeasure(measure('{ customer(id: "1") { parent { parent { id } } } }'), limits, { shape: true, cost: true }))).toMatchObject({ code: 'OPERATION_TOO_DEEP', measured: 4, limit: 3, http: { status: 400 } });
    expect(codeOf(() => checkMeasure(measure('{ a: tags b: tags }'), limits, { shape: true, cost: true }))).toMatchObject({ code: 'TOO_MANY_ALIASES', measured: 2, limit: 1 });
    expect(codeOf(() => checkMeasure(measure('{ customers(first: 60) { edges { node { id } } } }'), { ...limits, maxDepth: 10 }, { shape: true, cost: true }))).toMatchObject({ code: 'OPERATION_TOO_COSTLY', measured: 121, limit: 50 });
    expect(codeOf(() => checkDocumentSize('{ ' + 'tags '.repeat(30) + '}', limits))).toMatchObject({ code: 'DOCUMENT_TOO_LARGE', measured: 153, limit: 100 });
    expect(() => checkMeasure(measure('{ customer(id: "1") { id } }'), limits, { shape: true, cost: true })).not.toThrow();
  });
});
