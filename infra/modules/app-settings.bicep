// The function app's app settings, in one resource (it replaces them all on each provision).
param functionAppName string
param appSettings object

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  // checkov reads every sites/config as the `web` config; this is `appsettings`, so its web
  // config checks do not apply (function-app.bicep sets the site's web config).
  // checkov:skip=CKV_AZURE_13:not the web config (see above)
  // checkov:skip=CKV_AZURE_63:not the web config (see above)
  // checkov:skip=CKV_AZURE_65:not the web config (see above)
  // checkov:skip=CKV_AZURE_66:not the web config (see above)
  // checkov:skip=CKV_AZURE_80:not the web config (see above)
  // checkov:skip=CKV_AZURE_88:not the web config (see above)
  // checkov:skip=CKV_AZURE_222:not the web config (see above)
  parent: site
  name: 'appsettings'
  properties: appSettings
}
