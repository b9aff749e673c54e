"""`python -m bench`: seed a fresh SoR, serve the app in a subprocess, load it with wrk."""
