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
  {
    name: 'Convert a Closed Won opportunity into a project (a tracked sync)',
    query: `# Pick an opportunity: { customers(first: 20) { edges { node { opportunities(stage: CLOSED_WON) { id name project { code } } } } } }
mutation Convert($opportunityId: ID!) {
  convertOpportunity(opportunityId: $opportunityId, idempotencyKey: "convert-1") {
    id
    workflow
    status
    traceId
  }
}`,
    variables: { opportunityId: '<id of a CLOSED_WON opportunity without a project>' },
  },
  {
    name: 'Follow a sync transaction step by step',
    query: `query Sync($id: ID!) {
  syncTransaction(id: $id) {
    workflow
    status
    requestedBy
    steps { name system status attempts lastError }
    error { code message remediation }
    project { code name budget { amount currency } }
    createdAt
    finishedAt
  }
}`,
    variables: { id: '<the id convertOpportunity returned>' },
  },
  {
    name: 'Dead letters, integration health and the backlog',
    query: `query Operations {
  syncTransactions(status: DEAD_LETTERED, first: 10) {
    totalCount
    edges { node { id workflow error { code message remediation } } }
  }
  integrationHealth { system circuit latencyP50Ms errorRate }
  operationalMetrics { opportunitiesAwaitingProject invoicesBlocked syncBacklog deadLettered oldestPendingSeconds }
}`,
  },
  {
    name: 'Replay a dead-lettered transaction (after fixing the data it names)',
    query: `mutation Replay($id: ID!) {
  replaySyncTransaction(id: $id) { id status steps { name status } }
}`,
    variables: { id: '<id of a DEAD_LETTERED transaction>' },
  },
];
