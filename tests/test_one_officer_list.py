"""The officer's fields are listed once: the CSV's columns (import, export, the import
dialog's mapping) are the fields the officer services write, in the same order."""

from __future__ import annotations

from dataclasses import fields

from bwc_desk.services import csv_formats, officers
from bwc_desk.store.models import Officer


def test_the_officer_fields_are_the_csv_columns():
    assert officers.OFFICER_FIELDS is csv_formats.OFFICER_COLUMNS
    assert [f.name for f in fields(officers.OfficerInput)] == list(csv_formats.OFFICER_COLUMNS)
    assert set(csv_formats.OFFICER_COLUMNS) <= set(Officer.__table__.columns.keys())
