"""Named domain errors. The HTTP edge maps each to a status in one place."""

from __future__ import annotations


class MosaicError(Exception):
    """Base of every error a client can cause or should be told about."""

    title = "Request refused"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidField(MosaicError):
    """A field breaks a rule the back end checks before any look-up."""

    title = "Invalid field"

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


class UnknownActivationCode(MosaicError):
    title = "Unknown activation code"


class InviteePeriodOver(MosaicError):
    title = "Invitee period is over"


class MembershipNotFound(MosaicError):
    title = "Membership not found"


class TooManyAttempts(MosaicError):
    title = "Too many attempts"

    def __init__(self, detail: str, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds


class NotAuthenticated(MosaicError):
    title = "Not authenticated"


class CodeSpaceExhausted(MosaicError):
    title = "No free code left"


class ConcurrentUpdate(MosaicError):
    """A conditional write kept losing to other writers past the retry bound: busy, not a
    conflict the client made, so it may simply try again."""

    title = "Concurrent update"
    retry_after_seconds = 1


class SystemOfRecordUnavailable(MosaicError):
    title = "System of record unavailable"


class DocumentFromNewerSchema(MosaicError):
    """A newer deployment wrote the document: this instance must not rewrite it."""

    title = "Service being upgraded"
    retry_after_seconds = 5


class JobNotFound(MosaicError):
    title = "Job not found"


class ProgramNotFound(MosaicError):
    title = "Program not found"


class ProgramMisconfigured(MosaicError):
    """The program's own data (timezone, currency) is unusable: the operator's to fix."""

    title = "Program misconfigured"


class SorDataInvalid(MosaicError):
    """The SoR holds a value this version cannot build a document from: the SoR's data or
    this code needs fixing, not the request."""

    title = "System of record data not understood"


class InvitationLapsed(MosaicError):
    title = "Invitation lapsed"


class InvitationLimitReached(MosaicError):
    title = "Invitation limit reached"


class NotAllowedForMembership(MosaicError):
    """The membership exists and is signed in, but this operation is not one it may do."""

    title = "Not allowed for this membership"


class OfferNotEligible(MosaicError):
    title = "Offer not available to this membership"


class DiscountCodeExpired(MosaicError):
    title = "Discount code expired"


class DiscountCodeConsumed(MosaicError):
    title = "Discount code already used"


class MembershipNotUsable(MosaicError):
    """The membership is not active, has not started or is past its last day (the program's
    business date): none of its vouchers may be redeemed."""

    title = "Membership not usable"


class VoucherNotFound(MosaicError):
    title = "Voucher not found"


class VoucherRemoved(MosaicError):
    """The SoR no longer has the voucher: kept on the membership for the record only."""

    title = "Voucher no longer exists"


class VoucherAlreadyRedeemed(MosaicError):
    title = "Voucher already redeemed"


class VoucherExpired(MosaicError):
    title = "Voucher expired"


class VoucherCancelled(MosaicError):
    title = "Voucher cancelled"


class VoucherNotYetValid(MosaicError):
    title = "Voucher not valid yet"


class VoucherNotValidHere(MosaicError):
    """A voucher of one hotel presented at another."""

    title = "Voucher not valid at this hotel"


class VoucherNotRedeemed(MosaicError):
    """Un-redemption of a voucher that is not redeemed: there is nothing to reverse."""

    title = "Voucher not redeemed"


class VoucherNotRedeemedHere(MosaicError):
    """Un-redemption of a voucher redeemed in the SoR (before the digital layer, or by the
    SoR fallback): no redemption recorded here to reverse."""

    title = "Voucher not redeemed through Mosaic"


class PolicyRefused(MosaicError):
    """A rule of the program's redemption policy refused the redemption; `rule` names it
    (`maxPerDay`, ...), as the problem+json's `rule` member does."""

    title = "Refused by the redemption policy"

    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(detail)
        self.rule = rule


class RequestInProgress(MosaicError):
    """The first request made with this Idempotency-Key is still being answered: the client
    may send it again shortly and will get that request's answer."""

    title = "Request in progress"

    def __init__(self, detail: str, retry_after_seconds: int = 1) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds


class IdempotencyKeyReused(MosaicError):
    """The Idempotency-Key was used, within the last 24 hours, for another request."""

    title = "Idempotency key reused"


class DiscountCodeNotFound(MosaicError):
    title = "Discount code not found"


class DiscountCodeNotValidHere(MosaicError):
    title = "Discount code not valid at this hotel"


class NotEnoughPoints(MosaicError):
    """A deduction larger than the member's active balance: points never go below zero."""

    title = "Not enough points"


class BookingNotFound(MosaicError):
    """A cancellation of a booking that earned no points on the membership (unknown, or one
    that earned nothing): there is nothing to reverse."""

    title = "Booking not found"
