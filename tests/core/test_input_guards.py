"""Guards against hostile input found by the bad-input catalogue (tests/reliability/test_bad_input.py)."""
import io

import pytest
from rest_framework.exceptions import ParseError

from core.api.parsers import MAX_DEPTH, JSONParser, depth
from core.money import is_cents, to_decimal


@pytest.mark.parametrize(("value", "expected"), [
    (1, 0), ("x", 0), ([], 1), ({"a": [1, {"b": []}]}, 4), ([[[[]]]], 4),
], ids=["int", "str", "empty-list", "mixed", "lists"])
def test_depth(value, expected):
    assert depth(value) == expected


@pytest.mark.parametrize("body", [b"[" * 100_000 + b"]" * 100_000, b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1)],
                         ids=["recursion-error", "over-the-limit"])
def test_the_json_parser_refuses_deep_nesting(body):
    with pytest.raises(ParseError):
        JSONParser().parse(io.BytesIO(body), "application/json", {})


def test_the_json_parser_reads_ordinary_bodies():
    assert JSONParser().parse(io.BytesIO(b'{"lines": [{"listing": 1}]}'), "application/json", {}) == \
        {"lines": [{"listing": 1}]}


@pytest.mark.parametrize("raw", ["1e400", "-1e400", "9" * 16, "NaN", "Infinity", "12abc"])
def test_to_decimal_refuses_what_is_no_amount(raw):
    with pytest.raises(ValueError):
        to_decimal(raw)


def test_is_cents_of_a_huge_exponent_is_false_not_an_error():
    from decimal import Decimal

    assert is_cents(Decimal("1e400")) is False
    assert is_cents(Decimal("12.30")) is True
