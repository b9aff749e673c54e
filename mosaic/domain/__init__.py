"""Pure business rules and documents: no I/O, no settings, no clock, no azure."""
