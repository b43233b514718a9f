"""Kinds of custody event. Custody events are append-only; corrections are new events."""

from __future__ import annotations

from enum import StrEnum


class EventKind(StrEnum):
    REGISTERED = "registered"
    UPDATED = "updated"
    ISSUED = "issued"
    RETURNED = "returned"
    FUNCTION_TEST_FAILED = "function test failed"
    DEFECT_REPORTED = "defect reported"
    SENT_TO_REPAIR = "sent to repair"
    RETURNED_TO_SERVICE = "returned to service"
    MARKED_LOST = "marked lost"
    MARKED_STOLEN = "marked stolen"
    RETIRED = "retired"
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"
    POOLED = "pooled"
    UNPOOLED = "unpooled"
    DOCKED = "docked"
    UNDOCKED = "undocked"
    READINESS_OVERRIDE = "readiness override"
    CORRECTION = "correction"
    RELOCATED = "location changed"

    @property
    def label(self) -> str:
        return self.value.capitalize()
