"""`python -m bench`: seed a fresh SoR, serve the app on loopback, time logins; figures only."""
