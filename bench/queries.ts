/** The queries the read-path benchmarks run. */

/** The BI query of issue 2: customers → projects → assignments → resource, and customers → invoices. */
export const BI_QUERY = `query BI($first: Int) {
  customers(first: $first) {
    edges { node {
      name
      projects { code status assignments { role resource { name title } } }
      invoices { number status total { amount currency } }
    } }
  }
}`;

/** A query one subgraph answers alone (gateway overhead). */
export const SINGLE_SUBGRAPH_QUERY = `{ customers(first: 20) { totalCount edges { node { id name status currency legalEntity } } } }`;
