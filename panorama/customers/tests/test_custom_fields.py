"""Custom field values are validated against their definitions, with errors naming the field."""

import datetime as dt
from dataclasses import dataclass, field

import pytest

from panorama.customers.custom_fields import CustomValueError, FieldType, clean_custom_values


@dataclass
class Def:
    key: str
    label: str
    field_type: str
    options: list[str] = field(default_factory=list)


DEFS = [
    Def("seats", "Seats", FieldType.NUMBER),
    Def("renewal_owner", "Renewal owner", FieldType.TEXT),
    Def("kickoff", "Kick-off", FieldType.DATE),
    Def("beta", "Beta", FieldType.BOOLEAN),
    Def("region", "Region", FieldType.CHOICE, ["EMEA", "AMER", "APAC"]),
]


def test_valid_values_are_kept_in_their_stored_form():
    cleaned = clean_custom_values(
        DEFS,
        {
            "seats": "12",
            "renewal_owner": "Sam",
            "kickoff": dt.date(2026, 1, 5),
            "beta": True,
            "region": "EMEA",
        },
    )
    assert cleaned == {
        "seats": 12,
        "renewal_owner": "Sam",
        "kickoff": "2026-01-05",
        "beta": True,
        "region": "EMEA",
    }


def test_decimal_text_becomes_a_float():
    assert clean_custom_values(DEFS, {"seats": "12.5"}) == {"seats": 12.5}


def test_none_clears_a_value():
    assert clean_custom_values(DEFS, {"seats": None, "beta": False}) == {"beta": False}


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("seats", "twelve", "Custom field 'Seats' (seats) expects a number, got 'twelve'"),
        ("seats", True, "Custom field 'Seats' (seats) expects a number, got True"),
        ("seats", float("nan"), "Custom field 'Seats' (seats) expects a finite number"),
        ("renewal_owner", 5, "Custom field 'Renewal owner' (renewal_owner) expects text, got 5"),
        ("renewal_owner", "x" * 2001, "is longer than 2000 characters"),
        ("kickoff", "05/01/2026", "Custom field 'Kick-off' (kickoff) expects a date as YYYY-MM-DD"),
        ("kickoff", dt.datetime(2026, 1, 5, 10), "expects a date without a time"),
        ("beta", "yes", "Custom field 'Beta' (beta) expects true or false, got 'yes'"),
        (
            "region",
            "LATAM",
            "Custom field 'Region' (region) expects one of EMEA, AMER, APAC, got 'LATAM'",
        ),
    ],
)
def test_invalid_values_are_refused_naming_the_field(key, value, expected):
    with pytest.raises(CustomValueError) as exc:
        clean_custom_values(DEFS, {key: value})
    assert list(exc.value.errors) == [key]
    assert expected in exc.value.errors[key]


def test_unknown_keys_are_errors_and_every_error_is_reported():
    with pytest.raises(CustomValueError) as exc:
        clean_custom_values(DEFS, {"colour": "red", "seats": "many", "beta": True})
    assert exc.value.errors == {
        "colour": "Unknown custom field 'colour'",
        "seats": "Custom field 'Seats' (seats) expects a number, got 'many'",
    }
