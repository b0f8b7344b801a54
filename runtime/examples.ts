/** Example operations shown on the landing page, in the start banner and in README. */
export const EXAMPLE_QUERIES = [
  {
    name: 'Customers with projects and receivables',
    query: `query Customers {
  customers(first: 5) {
    totalCount
    edges {
      node {
        name
        status
        freshness { source syncedAt stale }
        arBalance { amount currency }
        projects {
          code
          name
          status
          unbilledAmount { amount currency }
        }
      }
    }
  }
}`,
  },
  {
    name: 'BI: customers → projects → staffing, and invoices',
    query: `query Staffing {
  customers(first: 20) {
    edges {
      node {
        name
        projects {
          code
          assignments { role plannedHours resource { name title } }
        }
        invoices { number status balance { amount currency } }
      }
    }
  }
}`,
  },
  {
    name: 'One customer, read fresh from the CRM',
    query: `query Customer($id: ID!) {
  customer(id: $id, consistency: FRESH) {
    name
    legalEntity
    taxId
    billingAddress { line1 city country }
    externalIds { system id }
    freshness { source syncedAt stale }
    opportunities(stage: CLOSED_WON) { name amount { amount currency } project { code } }
  }
}`,
  },
  {
    name: 'Resources with a skill',
    query: `query Resources {
  resources(skill: "TypeScript", first: 10) {
    totalCount
    edges { node { name title skills billRate { amount currency } } }
  }
}`,
  },
];
