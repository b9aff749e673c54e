// Key Vault with the app's secrets, read by the function app through Key Vault references
// (its identity holds Key Vault Secrets User). Access is by Azure RBAC, not access policies.
param location string
param tags object
param resourceToken string
param purgeProtection bool

@secure()
param sorUrl string
@secure()
param tokenSecret string
@secure()
param adminKey string
@secure()
param notifierWebhookSecret string

var secrets = [
  { name: 'mosaic-sor-url', value: sorUrl }
  { name: 'mosaic-token-secret', value: tokenSecret }
  { name: 'mosaic-admin-key', value: adminKey }
  { name: 'mosaic-notifier-webhook-secret', value: notifierWebhookSecret }
]

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  // checkov:skip=CKV_AZURE_110:purge protection is on unless keyVaultPurgeProtection=false (development environments), which checkov cannot evaluate
  // checkov:skip=CKV_AZURE_42:recoverable (soft delete, purge protection) unless keyVaultPurgeProtection=false, as above
  // checkov:skip=CKV_AZURE_109:reached over its public endpoint by Entra ID and RBAC only; a firewall needs the app's VNet integration and private endpoints (not set up)
  // checkov:skip=CKV_AZURE_189:as CKV_AZURE_109: no private endpoints without VNet integration
  name: 'kv-${resourceToken}'
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // Bicep can only turn purge protection on (never off again), so off means "not set".
    enablePurgeProtection: purgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource vaultSecrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [
  for secret in secrets: {
    // checkov:skip=CKV_AZURE_41:the app reads these at start; an expiry would stop it, rotation is an operator's act
    parent: vault
    name: secret.name
    properties: {
      value: secret.value
      contentType: 'text/plain'
    }
  }
]

// Unversioned URIs: a new secret version reaches the app within a day or at its next restart.
output name string = vault.name
output sorUrlUri string = '${vault.properties.vaultUri}secrets/mosaic-sor-url'
output tokenSecretUri string = '${vault.properties.vaultUri}secrets/mosaic-token-secret'
output adminKeyUri string = '${vault.properties.vaultUri}secrets/mosaic-admin-key'
output notifierWebhookSecretUri string = '${vault.properties.vaultUri}secrets/mosaic-notifier-webhook-secret'
