import random

import pytest

from mosaic.domain.codes import (
    DISCOUNT_ALPHABET,
    CodeKind,
    activation_code_kind,
    check_discount_code,
    check_pin,
    code_index_id,
    new_code,
    voucher_code_kind,
)
from mosaic.domain.errors import InvalidField


def test_five_digit_activation_code_is_a_full_membership():
    assert activation_code_kind("01234") is CodeKind.MEMBERSHIP_ACTIVATION


def test_six_digit_activation_code_is_an_invitee():
    assert activation_code_kind("012345") is CodeKind.INVITEE_ACTIVATION


@pytest.mark.parametrize(
    "code", ["1234", "1234567", "", "12a45", "\uff11\uff12\uff13\uff14\uff15", " 12345", "-1234"]
)
def test_activation_code_of_wrong_shape_names_the_field_and_rule(code):
    with pytest.raises(InvalidField) as refused:
        activation_code_kind(code)
    assert refused.value.field == "activationCode"
    assert "digit" in refused.value.rule


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("12345", CodeKind.STATIC_VOUCHER),
        ("123456789", CodeKind.STATIC_VOUCHER),
        ("123456", CodeKind.DYNAMIC_VOUCHER),
    ],
)
def test_voucher_code_kind_is_told_by_length(code, kind):
    assert voucher_code_kind(code) is kind


@pytest.mark.parametrize("code", ["1234", "1234567", "12345678", "1234567890", "12x45"])
def test_voucher_code_of_other_length_is_refused(code):
    with pytest.raises(InvalidField) as refused:
        voucher_code_kind(code)
    assert refused.value.field == "voucherCode"


def test_discount_alphabet_leaves_out_look_alike_characters():
    assert not set("01OI") & set(DISCOUNT_ALPHABET)
    assert len(DISCOUNT_ALPHABET) == 32


@pytest.mark.parametrize("code", ["ABCD2345", "ZZZZ9999"])
def test_well_formed_discount_code_is_accepted(code):
    assert check_discount_code(code) == code


@pytest.mark.parametrize(
    "code", ["ABCD0345", "ABCDO345", "ABCD1345", "ABCDI345", "abcd2345", "ABC2345", "ABCDE2345"]
)
def test_discount_code_with_forbidden_character_or_length_is_refused(code):
    with pytest.raises(InvalidField):
        check_discount_code(code)


def test_pin_is_six_digits():
    assert check_pin("000123") == "000123"
    with pytest.raises(InvalidField):
        check_pin("12345")


@pytest.mark.parametrize(
    ("kind", "length"),
    [
        (CodeKind.MEMBERSHIP_ACTIVATION, 5),
        (CodeKind.INVITEE_ACTIVATION, 6),
        (CodeKind.DYNAMIC_VOUCHER, 6),
        (CodeKind.PIN, 6),
        (CodeKind.DISCOUNT, 8),
    ],
)
def test_new_codes_have_their_kinds_format(kind, length):
    rng = random.Random(3)
    for _ in range(200):
        code = new_code(kind, rng)
        assert len(code) == length
        if kind is CodeKind.DISCOUNT:
            assert check_discount_code(code) == code
        else:
            assert code.isdigit()


def test_new_invitee_codes_are_recognized_as_invitee_codes():
    rng = random.Random(5)
    assert activation_code_kind(new_code(CodeKind.INVITEE_ACTIVATION, rng)) is (
        CodeKind.INVITEE_ACTIVATION
    )


def test_code_index_id_separates_kinds_of_the_same_digits():
    assert code_index_id(CodeKind.STATIC_VOUCHER, "12345") != code_index_id(
        CodeKind.MEMBERSHIP_ACTIVATION, "12345"
    )
