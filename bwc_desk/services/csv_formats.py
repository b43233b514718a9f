"""The CSV files BWC Desk reads and writes, by their columns: the officer and unit lists
(imported and exported in the same columns) and the custody ledger (the whole ledger and one
unit's history). Kept apart from the imports and exports so that every use case that writes
one of these files (Inventory's unit history, the evidence package) names the same columns
without importing the other use cases (docs/csv-formats.md)."""

from __future__ import annotations

OFFICER_COLUMNS = (
    "badge",
    "last_name",
    "first_name",
    "rank",
    "division",
    "shift",
    "active",
    "scan_code",
)
OFFICER_REQUIRED = ("badge", "last_name")
UNIT_COLUMNS = (
    "asset_tag",
    "serial",
    "model",
    "firmware",
    "status",
    "purchase_date",
    "warranty_until",
    "assigned_badge",
    "notes",
    "location",  # where it is kept; a change is a "location changed" custody record
)
UNIT_REQUIRED = ("asset_tag", "serial")
CUSTODY_COLUMNS = (
    "seq",
    "at_utc",
    "kind",
    "unit_id",
    "asset_tag",
    "officer_id",
    "badge",
    "staff_id",
    "staff_username",
    "station",
    "reason",
    "details",
    "corrects_seq",
    "prev_hash",
    "hash",
)
# A cage audit's report: one row per camera per list, each row naming the audit and who ran it.
CAGE_AUDIT_COLUMNS = (
    "audit_id",
    "scope",
    "list",
    "asset_tag",
    "serial",
    "model",
    "status",
    "recorded_location",
    "seen_location",
    "source",
    "seen_by",
    "seen_at_utc",
    "note",
    "started_by",
    "station",
    "started_at_utc",
    "finished_by",
    "finished_at_utc",
)
