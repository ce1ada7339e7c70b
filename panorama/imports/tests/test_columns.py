"""Matching a file's headers to fields, and the explicit mapping (no ORM needed)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from panorama.imports.columns import (
    KINDS,
    MappingError,
    map_columns,
    parse_mapping_options,
    squash,
)


@dataclass
class Definition:
    key: str
    label: str


TIER = Definition("tier", "Support tier")


def test_usual_header_names_find_their_field():
    header = ["Company Name", "Website", "External ID", "Owner Email", "custom:tier", "CSM Pulse"]
    mapping = map_columns(header, KINDS["accounts"], [TIER])
    assert mapping.targets == {
        "Company Name": "name",
        "Website": "domain",
        "External ID": "external_id",
        "Owner Email": "owner",
        "custom:tier": "custom:tier",
        "CSM Pulse": "csm_pulse",
    }
    contacts = map_columns(["E-mail", "First name", "Support Tier"], KINDS["contacts"], [TIER])
    assert contacts.targets == {
        "E-mail": "email",
        "First name": "first_name",
        "Support Tier": "custom:tier",
    }


def test_unknown_columns_are_named_and_can_be_mapped_or_ignored():
    with pytest.raises(MappingError, match=r"Unknown column: Colour\. Map it to a field"):
        map_columns(["name", "Colour"], KINDS["accounts"], [])
    mapping = map_columns(
        ["name", "Colour", "Rank"],
        KINDS["accounts"],
        [TIER],
        {"colour": "ignore", "Rank": "Support tier"},
    )
    assert mapping.targets == {"name": "name", "Colour": "ignore", "Rank": "custom:tier"}
    assert mapping.used == {"name": "name", "Rank": "custom:tier"}


def test_a_mapping_to_no_field_or_of_no_column_is_refused():
    with pytest.raises(MappingError, match="Unknown field in the mapping: Colour=hue"):
        map_columns(["name", "Colour"], KINDS["accounts"], [], {"Colour": "hue"})
    with pytest.raises(MappingError, match="columns the file doesn't have: mood"):
        map_columns(["name"], KINDS["accounts"], [], {"Mood": "ignore"})


def test_two_columns_for_one_field_and_a_missing_header_are_refused():
    with pytest.raises(MappingError, match="Several columns fill the same field: name, Company"):
        map_columns(["name", "Company"], KINDS["accounts"], [])
    with pytest.raises(MappingError, match="the first row must be a header"):
        map_columns(["Acme", "acme.com"], KINDS["accounts"], [])


def test_no_alias_names_two_fields_of_a_kind():
    for spec in KINDS.values():
        names = [n for c in spec.columns for n in {squash(x) for x in (c.field, *c.aliases)}]
        assert len(names) == len(set(names)), spec.kind


def test_map_options():
    assert parse_mapping_options(["Company Name=name", " Notes = ignore"]) == {
        "Company Name": "name",
        "Notes": "ignore",
    }
    with pytest.raises(ValueError, match="expected HEADER=FIELD"):
        parse_mapping_options(["name"])
