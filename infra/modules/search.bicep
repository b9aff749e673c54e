// Azure AI Search: the back office's membership search. Keys are off: the app's identity
// holds Search Index Data Contributor (documents) and Search Service Contributor (it creates
// its index, whose schema lives in the code: an index is data plane, Bicep cannot make it).
param location string
param tags object
param resourceToken string

@allowed(['basic', 'standard', 'standard2', 'standard3'])
param sku string = 'basic'

// Search serves the back office only (members and POS read Cosmos DB): one replica until its
// read availability matters; 2 replicas give the read SLA, 3 the read-write SLA.
@minValue(1)
param replicaCount int = 1

resource service 'Microsoft.Search/searchServices@2023-11-01' = {
  // checkov:skip=CKV_AZURE_208:one replica by default (back-office search only); raise replicaCount for the SLA
  // checkov:skip=CKV_AZURE_209:one replica by default (back-office search only); raise replicaCount for the SLA
  name: 'srch-${resourceToken}'
  location: location
  tags: tags
  sku: { name: sku }
  identity: { type: 'SystemAssigned' }
  properties: {
    replicaCount: replicaCount
    partitionCount: 1
    hostingMode: 'default'
    disableLocalAuth: true
    publicNetworkAccess: 'enabled'
    semanticSearch: 'disabled'
  }
}

output name string = service.name
output endpoint string = 'https://${service.name}.search.windows.net'
