"""The POS blueprint every POS operation registers on."""

import azure.functions as func

bp = func.Blueprint()
