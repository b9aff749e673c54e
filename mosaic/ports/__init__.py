"""Ports: what the services need of the outside world. Adapters implement them."""
