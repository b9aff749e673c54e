"""What the POS and back-office voucher routes share: the body naming a voucher, and
redeeming or reversing once per Idempotency-Key."""

from __future__ import annotations

from typing import Annotated

import azure.functions as func
from pydantic import Field

from mosaic.bootstrap import backends
from mosaic.domain.base import RequestModel
from mosaic.domain.codes import voucher_code_kind
from mosaic.functions.callers import once
from mosaic.functions.http import parse_body
from mosaic.functions.voucher_answers import voucher_check_answer
from mosaic.services.callers import Caller
from mosaic.services.redemptions import redeem_voucher, unredeem_voucher


class VoucherBody(RequestModel):
    voucher_code: Annotated[str, Field(description="5 or 9 digits: static; 6: dynamic")]

    def code(self) -> str:
        voucher_code_kind(self.voucher_code)
        return self.voucher_code


def _key(req: func.HttpRequest) -> str:
    return str(req.headers.get("idempotency-key", ""))


def redeem_once(
    req: func.HttpRequest, caller: Caller, code: str, hotel: str, outlet: str | None
) -> func.HttpResponse:
    key = _key(req)
    return once(
        req,
        caller,
        lambda: voucher_check_answer(redeem_voucher(backends(), caller, code, hotel, outlet, key)),
    )


def unredeem_once(req: func.HttpRequest, caller: Caller) -> func.HttpResponse:
    code, key = parse_body(req, VoucherBody).code(), _key(req)
    return once(
        req,
        caller,
        lambda: voucher_check_answer(
            unredeem_voucher(backends(), caller, code, key), reversed_=True
        ),
    )
