"""The service's error answers: `{"error": {"code", "message"}}` with an HTTP status."""

from __future__ import annotations


class ServiceError(Exception):
    def __init__(self, message: str, status: int = 400, code: str = "InvalidRequest") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code

    def body(self) -> dict[str, object]:
        return {"error": {"code": self.code, "message": self.message, "details": None}}


class BadRequest(ServiceError):
    pass


class NotImplementedByStandIn(BadRequest):
    """Valid for the real service, but outside the subset the stand-in serves: refused loudly
    rather than answered wrongly."""

    def __init__(self, message: str) -> None:
        super().__init__(
            f"The local stand-in does not implement this: {message}", code="StandInNotImplemented"
        )


class NotFound(ServiceError):
    def __init__(self, message: str) -> None:
        super().__init__(message, 404, "ResourceNotFound")
