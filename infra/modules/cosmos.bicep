// Cosmos DB for NoSQL: database `mosaic` with the containers of mosaic/ports/documents.py.
//
// Throughput: autoscale, shared by the containers at the database, by default. A loyalty
// back end has steady daytime traffic (POS redemptions, logins, the hourly update) with bursts
// (a campaign push, the 8-hourly program refresh, an import): autoscale follows them between
// 10% and 100% of its maximum without throttling and bills the hour's peak, and it allows read
// regions, which serverless does not (serverless is single-region, capped per partition, and
// billed per request: cheapest for a development environment, hence the `serverless` switch).
// Writes stay in one region: an etag condition serialises writes only within its region
// (DESIGN.md section 9), so multi-region writes stay off.
param location string
param tags object
param resourceToken string
param serverless bool
param maxThroughput int

var databaseName = 'mosaic'
// Containers and the fields each is ordered by (mosaic/ports/documents.py INDEXED_FIELDS): an
// ORDER BY field, id needs a composite index (field, id).
// Each ordered field gets its composite index (field, id) in both orders.
var orders = ['ascending', 'descending']

var containers = [
  {
    name: 'memberships'
    orderedBy: [
      'membership.cardNumber'
      'membership.status'
      'meta.mode'
      'loyalty.nextDue'
      'invitation.email'
      'invitation.phone'
    ]
  }
  { name: 'programs', orderedBy: [] }
  { name: 'codes', orderedBy: ['membershipNumber', 'kind'] }
  { name: 'sorRequests', orderedBy: ['status', 'nextAttemptAt', 'createdAt', 'membershipNumber'] }
  { name: 'refreshLog', orderedBy: ['key', 'outcome', 'started'] }
  { name: 'system', orderedBy: ['kind', 'job'] }
  { name: 'idempotency', orderedBy: [] }
]

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  // checkov:skip=CKV_AZURE_101:reached over its public endpoint with Entra ID only (keys off); private endpoints need the app's VNet integration (not set up)
  name: 'cosmos-${resourceToken}'
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    locations: [
      { locationName: location, failoverPriority: 0, isZoneRedundant: false }
    ]
    capabilities: serverless ? [{ name: 'EnableServerless' }] : []
    enableMultipleWriteLocations: false
    enableAutomaticFailover: true
    // Entra ID only (the app's identity holds the built-in Data Contributor role); containers
    // are made here, not by the app, since Entra ID cannot create them through the data plane.
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
    // Redemptions, the loyalty ledger and PINs exist only here (the SoR rebuilds the rest):
    // point-in-time restore for 30 days.
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: { tier: 'Continuous30Days' }
    }
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: { id: databaseName }
    options: serverless ? {} : { autoscaleSettings: { maxThroughput: maxThroughput } }
  }
}

resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = [
  for container in containers: {
    parent: database
    name: container.name
    properties: {
      resource: {
        id: container.name
        // One program per logical partition, as the original system; the adapter computes
        // every key in one place, so a large program can move to a hierarchical key
        // (/program, /id), which needs new containers and a copy.
        partitionKey: { paths: ['/program'], kind: 'Hash', version: 2 }
        // TTL on, no default: a document expires only when it carries `ttl` (refresh log,
        // idempotency records, throttling counters).
        defaultTtl: -1
        indexingPolicy: {
          indexingMode: 'consistent'
          automatic: true
          includedPaths: [{ path: '/*' }]
          excludedPaths: [{ path: '/"_etag"/?' }]
          // (field, id) both ways, as the app's own policy (cosmos_layout.indexing_policy):
          // the same policy means the app never asks to rewrite a deployed container.
          compositeIndexes: [
            for i in range(0, length(container.orderedBy) * 2): [
              { path: '/${replace(container.orderedBy[i / 2], '.', '/')}', order: orders[i % 2] }
              { path: '/id', order: orders[i % 2] }
            ]
          ]
        }
      }
    }
  }
]

output accountName string = account.name
output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
