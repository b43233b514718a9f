"""The demo's cameras in repair each have an open repair case, and its closed cases took
some time (bug: 3 cameras in repair with no case; every closed case 0 days old)."""

from __future__ import annotations

from bwc_desk.domain.units import UnitStatus
from bwc_desk.services import inventory, repairs
from tests.conftest import demo_ctx


def test_every_demo_camera_in_repair_has_an_open_case_and_closed_cases_took_time(demo_db):
    ctx = demo_ctx(demo_db, "sgt.reyes")
    in_repair = sorted(u.asset_tag for u in inventory.list_units(ctx)
                       if u.status is UnitStatus.IN_REPAIR)
    open_cases = sorted(c.asset_tag for c in repairs.list_cases(ctx) if c.unit_id is not None)
    assert in_repair and open_cases == in_repair
    closed = [c for c in repairs.list_cases(ctx, open_only=False) if not c.is_open]
    assert closed and all(c.closed_at > c.reported_at for c in closed)
    assert any(c.age_days >= 1 for c in closed), [c.age_days for c in closed]
