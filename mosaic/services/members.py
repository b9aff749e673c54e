"""The member behind a session token: every member route starts here.

A token is signed and expires (adapters.tokens); beyond that, the session holds only while
what it was opened on holds: the membership is still in the store, in the token's program,
not removed, opened by the same activation code (a code the SoR changed, because a card was
reported lost, ends every session begun with the old one), and, for an invitee, while the
invitation has not lapsed nor its period ended.
"""

from __future__ import annotations

import hmac

from mosaic.domain.errors import NotAuthenticated
from mosaic.domain.membership import DigitalMembership, MembershipMode, MembershipStatus
from mosaic.ports.documents import Container
from mosaic.ports.sessions import InvalidSession, MemberSession
from mosaic.services.backends import Backends
from mosaic.services.documents import load, read_or_none
from mosaic.services.invitees import ensure_invitee_may_use

CREDENTIAL = "session-credential"


def session_credential(backends: Backends, document: DigitalMembership) -> str:
    """The keyed digest a session carries of the code it was opened with."""
    code = document.membership.activation_code
    return backends.keyed_hash.digest(CREDENTIAL, f"{document.program}:{document.id}:{code}")


def verify_session(backends: Backends, token: str) -> MemberSession:
    try:
        return backends.sessions.verify(token, backends.clock.now())
    except InvalidSession as error:
        reason = "expired" if "expired" in str(error) else "not valid"
        raise NotAuthenticated(f"the session token is {reason}; log in again") from None


def signed_in_member(backends: Backends, session: MemberSession) -> DigitalMembership:
    """The session's membership as stored now; NotAuthenticated when the session no longer
    holds (see the module), InviteePeriodOver or InvitationLapsed for an invitee past it."""
    found = read_or_none(
        backends.documents, Container.MEMBERSHIPS, session.program, session.membership_number
    )
    if found is None:
        raise NotAuthenticated("the session's membership is not in its program; log in again")
    member = load(DigitalMembership, found)
    if member.membership.status is MembershipStatus.REMOVED or member.meta.mode != session.mode:
        raise NotAuthenticated("the session's membership has changed; log in again")
    if not hmac.compare_digest(session_credential(backends, member), session.credential):
        raise NotAuthenticated("the activation code changed since this session began; log in again")
    if member.meta.mode is MembershipMode.INVITEE:
        ensure_invitee_may_use(backends, member)
    return member
