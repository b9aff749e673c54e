"""Loyalty points and tiers (DESIGN.md section 8), pure rules: no I/O, no clock.

The ledger (`entries`, `ledger`) is the one record of points; everything else is derived
from it (`lots`, `balances`) or decided from it with `now` and the program's rules
(`rules`) passed in: earning, reversals and adjustments (`earning`), the expiry date
(`expiry`), the daily expiry (`expiring`), tiers (`tiers`), reminders (`reminders`), the
cut-over migration (`migration`) and the index field that finds the memberships due (`due`).
`operations` runs them on a membership document as the services do.

This module imports nothing: `mosaic.domain.membership` imports the ledger models from here.
"""
