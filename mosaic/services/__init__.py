"""Use cases. Each talks to the ports only, through a Backends bundle."""
