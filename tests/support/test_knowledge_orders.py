"""Order proofs: the number together with the matching email or phone, normalised, nothing less."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from apps.support.knowledge import find_order_proof, normalise_phone, verify_order_proof


@dataclass
class Order:
    number: str
    customer_email: str
    customer_phone: str


ORDER = Order(number="EC-1001", customer_email="Ann.Lee@Example.com", customer_phone="+86 138-0013-8000")


@pytest.mark.parametrize(
    ("number", "proof"),
    [
        ("EC-1001", "ann.lee@example.com"),
        ("#ec1001", "  ANN.LEE@EXAMPLE.COM "),
        ("ＥＣ－１００１", "Ann.Lee@Example.com"),
        ("EC 1001", "13800138000"),
        ("EC-1001", "+86 138 0013 8000"),
        ("EC-1001", "0086-138-0013-8000"),
    ],
)
def test_matching_proofs_are_accepted(number: str, proof: str) -> None:
    assert verify_order_proof(ORDER, number, proof)


@pytest.mark.parametrize(
    ("number", "proof"),
    [
        ("EC-1002", "ann.lee@example.com"),  # another order's number
        ("EC-1001", "ann@example.com"),  # wrong email
        ("EC-1001", "13800138001"),  # wrong phone
        ("EC-1001", "8000"),  # a phone suffix is not a proof
        ("EC-1001", ""),
        ("", "ann.lee@example.com"),
    ],
)
def test_wrong_or_partial_proofs_are_refused(number: str, proof: str) -> None:
    assert not verify_order_proof(ORDER, number, proof)


def test_an_order_without_a_phone_is_not_opened_by_an_empty_phone() -> None:
    assert not verify_order_proof(Order("A1", "a@b.co", ""), "A1", "")
    assert not verify_order_proof(Order("A1", "", ""), "A1", "@")


def test_phone_normalisation() -> None:
    assert normalise_phone("+1 (415) 555-0134") == "4155550134"
    assert normalise_phone("13800138000") == "13800138000"
    assert normalise_phone("+86 13800138000") == "13800138000"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Where is my order #EC-1001? My email is ann@example.com", ("EC-1001", "ann@example.com")),
        ("订单号 20240115，手机 138 0013 8000", ("20240115", "138 0013 8000")),
        ("order 5567 phone +1 415 555 0134", ("5567", "+1 415 555 0134")),
        ("where is my parcel?", ("", "")),
    ],
)
def test_order_proof_is_found_in_a_message(message: str, expected: tuple[str, str]) -> None:
    assert find_order_proof(message) == expected
