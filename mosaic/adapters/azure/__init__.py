"""The Azure adapters: Cosmos DB, Storage Queues, AI Search, the notifier webhook."""
