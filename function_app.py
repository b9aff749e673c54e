"""The Mosaic function app: composes one blueprint per client and the background jobs."""

import azure.functions as func

from mosaic.functions import control, jobs, mobile, openapi, program_jobs

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
for blueprint in (mobile.bp, control.bp, openapi.bp, jobs.bp, program_jobs.bp):
    app.register_functions(blueprint)
