"""The mobile blueprint every mobile operation registers on."""

import azure.functions as func

bp = func.Blueprint()
