// Mosaic on Azure: `azd up` provisions this and deploys the function app (azure.yaml).
//
// Every Azure client of the app authenticates with the function app's system-assigned managed
// identity (Entra ID): Cosmos DB, Storage, AI Search and Application Insights have their keys
// turned off, so no key exists to leak or rotate. The app's own secrets live in Key Vault and
// reach it as Key Vault references. tests/test_infra_settings.py holds the app settings below
// to mosaic/settings.py, so the two cannot drift apart.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; makes the resource names unique.')
param environmentName string

@minLength(1)
@description('Region of every resource; one where Flex Consumption is offered.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of the person or pipeline running azd: may read the Key Vault secrets, which azd needs to keep the generated ones across provisions.')
param principalId string = ''

@allowed(['User', 'ServicePrincipal'])
param principalType string = 'User'

@secure()
@description('SQLAlchemy URL of the system of record, with its credentials (oracle+oracledb://user:password@host:1521/?service_name=...).')
param sorUrl string

@secure()
@description('Signs member session tokens; azd generates one on first provision and keeps it.')
param tokenSecret string

@secure()
@description('Operators\' X-Admin-Key on control routes; azd generates one on first provision and keeps it.')
param adminKey string

@description('The messaging provider\'s webhook for push, SMS and email.')
param notifierWebhookUrl string

@secure()
@description('Shared secret the notifications are HMAC-signed with; the messaging provider holds the same.')
param notifierWebhookSecret string

@description('Proxies (Front Door, say) in front of the Functions front end, for the client address the login throttle counts.')
@minValue(0)
param trustedProxyHops int = 0

@description('Cosmos DB serverless (development environments) instead of autoscale throughput (production); see modules/cosmos.bicep.')
param cosmosServerless bool = false

@description('Upper bound of the autoscale throughput the containers share (RU/s, from 1000 in steps of 1000).')
@minValue(1000)
param cosmosMaxThroughput int = 1000

@description('Key Vault purge protection: on in production; off lets a development environment be deleted and made again under the same name.')
param keyVaultPurgeProtection bool = true

@description('Most instances the app scales out to (Flex Consumption allows up to 1000).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = 'func-${resourceToken}'
// Every queue the app's queue triggers read (mosaic/functions), each with the poison queue
// the Functions host moves a message to after maxDequeueCount (host.json) failures.
var queueNames = [
  'membership-refresh'
  'membership-refresh-poison'
  'program-refresh'
  'program-refresh-poison'
]

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    location: location
    tags: tags
    resourceToken: resourceToken
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    location: location
    tags: tags
    resourceToken: resourceToken
    queueNames: queueNames
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    location: location
    tags: tags
    resourceToken: resourceToken
    serverless: cosmosServerless
    maxThroughput: cosmosMaxThroughput
  }
}

module search 'modules/search.bicep' = {
  name: 'search'
  scope: rg
  params: {
    location: location
    tags: tags
    resourceToken: resourceToken
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    location: location
    tags: tags
    resourceToken: resourceToken
    purgeProtection: keyVaultPurgeProtection
    sorUrl: sorUrl
    tokenSecret: tokenSecret
    adminKey: adminKey
    notifierWebhookSecret: notifierWebhookSecret
  }
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    location: location
    tags: tags
    name: functionAppName
    resourceToken: resourceToken
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    maximumInstanceCount: maximumInstanceCount
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  scope: rg
  params: {
    appPrincipalId: functionApp.outputs.principalId
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
    storageAccountName: storage.outputs.name
    cosmosAccountName: cosmos.outputs.accountName
    searchServiceName: search.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

// Set once the identity holds its roles, so the Key Vault references resolve at first start.
module appSettings 'modules/app-settings.bicep' = {
  name: 'app-settings'
  scope: rg
  dependsOn: [roles]
  params: {
    functionAppName: functionApp.outputs.name
    appSettings: {
      // The Functions host: identity-based AzureWebJobsStorage (no connection string) for
      // its timers' locks (blob) and the queue triggers; the app sends on the same queues.
      AzureWebJobsStorage__blobServiceUri: storage.outputs.blobEndpoint
      AzureWebJobsStorage__queueServiceUri: storage.outputs.queueEndpoint
      APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
      MOSAIC_BACKEND: 'azure'
      MOSAIC_COSMOS_ENDPOINT: cosmos.outputs.endpoint
      MOSAIC_COSMOS_DATABASE: cosmos.outputs.databaseName
      // The containers of modules/cosmos.bicep are partitioned by /program.
      MOSAIC_COSMOS_LAYOUT: 'program'
      MOSAIC_SEARCH_ENDPOINT: search.outputs.endpoint
      MOSAIC_SEARCH_INDEX: 'memberships'
      MOSAIC_SOR_URL: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.sorUrlUri})'
      MOSAIC_SOR_PROBE_TIMEOUT_SECONDS: '5'
      MOSAIC_TOKEN_SECRET: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.tokenSecretUri})'
      MOSAIC_TOKEN_TTL_MINUTES: '10080'
      MOSAIC_ADMIN_KEY: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.adminKeyUri})'
      MOSAIC_REFRESH_COALESCE_SECONDS: '60'
      MOSAIC_LOGIN_FAILURES_ALLOWED: '5'
      MOSAIC_LOGIN_FAILURE_WINDOW_SECONDS: '900'
      MOSAIC_LOGIN_PROGRAM_FAILURES_ALLOWED: '200'
      MOSAIC_TRUSTED_PROXY_HOPS: string(trustedProxyHops)
      MOSAIC_NOTIFIER_WEBHOOK_URL: notifierWebhookUrl
      MOSAIC_NOTIFIER_WEBHOOK_SECRET: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.notifierWebhookSecretUri})'
    }
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_URL string = functionApp.outputs.url
// azd reads the generated secrets back from here on the next provision (main.parameters.json).
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output MOSAIC_COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output MOSAIC_SEARCH_ENDPOINT string = search.outputs.endpoint
output AZURE_STORAGE_QUEUE_ENDPOINT string = storage.outputs.queueEndpoint
