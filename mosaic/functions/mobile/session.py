"""The member a mobile request is made by: `Authorization: Bearer <token>` from a login."""

from __future__ import annotations

import azure.functions as func

from mosaic.bootstrap import backends
from mosaic.domain.errors import NotAuthenticated
from mosaic.domain.membership import DigitalMembership
from mosaic.services.members import signed_in_member, verify_session

MEMBER_ERRORS = (401, 403, 503)
"""What any member route may answer besides its own: no or a bad session (401), an invitee
past its period (403), the store busy or being upgraded (503)."""


def signed_in(req: func.HttpRequest) -> DigitalMembership:
    scheme, _, token = req.headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated(
            "member routes need Authorization: Bearer <token>, the token POST /mobile/login answers"
        )
    ports = backends()
    return signed_in_member(ports, verify_session(ports, token.strip()))
