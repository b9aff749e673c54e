"""Member session tokens as HS256 JWTs (PyJWT)."""

from __future__ import annotations

from datetime import datetime

import jwt

from mosaic.domain.membership import MembershipMode
from mosaic.ports.sessions import InvalidSession, MemberSession

ISSUER = "mosaic"
AUDIENCE = "mosaic-mobile"


class JwtSessionTokens:
    def __init__(self, secret: str) -> None:
        if len(secret) < 32:
            raise ValueError("the token secret must be at least 32 characters")
        self._secret = secret

    def issue(self, session: MemberSession, now: datetime) -> str:
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": session.membership_number,
            "program": session.program,
            "mode": session.mode.value,
            "crd": session.credential,
            "iat": int(now.timestamp()),
            "exp": int(session.expires_at.timestamp()),
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def verify(self, token: str, now: datetime) -> MemberSession:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                audience=AUDIENCE,
                issuer=ISSUER,
                # Times are judged by the app's clock, which MOSAIC_NOW may freeze, not
                # PyJWT's: a token issued by a clock ahead of this machine's is no forgery.
                options={
                    "require": ["exp", "sub", "iat", "crd"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
            session = MemberSession(
                program=str(claims["program"]),
                membership_number=str(claims["sub"]),
                mode=MembershipMode(claims["mode"]),
                expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=now.tzinfo),
                credential=str(claims["crd"]),
            )
        except (jwt.PyJWTError, KeyError, ValueError) as error:
            raise InvalidSession(str(error)) from error
        if session.expires_at <= now:
            raise InvalidSession("token expired")
        return session
