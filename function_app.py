"""The Mosaic function app: composes one blueprint per client and the background jobs."""

import azure.functions as func

from mosaic.functions import (
    backoffice,
    backoffice_loyalty,
    control,
    jobs,
    loyalty_bookings,
    loyalty_jobs,
    mobile,
    openapi,
    pos,
    program_jobs,
)

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
for blueprint in (
    mobile.bp,
    pos.bp,
    backoffice.bp,
    backoffice_loyalty.bp,
    control.bp,
    loyalty_bookings.bp,
    openapi.bp,
    jobs.bp,
    program_jobs.bp,
    loyalty_jobs.bp,
):
    app.register_functions(blueprint)
