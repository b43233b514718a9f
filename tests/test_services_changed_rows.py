"""The rows a view re-reads after a change named them: the same rows as the whole list has,
for just the ids named (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from bwc_desk.domain.errors import NotSignedIn
from bwc_desk.services import assignments, counter, inventory, officers
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput

pytestmark = pytest.mark.both_backends


@pytest.fixture
def desk(admin_ctx, sup_ctx, qm_ctx):
    people = [
        officers.add_officer(admin_ctx, OfficerInput(f"{i:04d}", f"Last{i}", "Pat", shift="Day"))
        for i in range(1, 6)
    ]
    units = [
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-BWC-{i:04d}", f"SER{i:04d}"))
        for i in range(1, 7)
    ]
    assignments.assign_primary(sup_ctx, units[0].asset_tag, people[0].id)
    counter.issue_unit(qm_ctx, people[1].id, units[1].asset_tag, function_test=FunctionTest())
    return {"units": units, "people": people, "sup": sup_ctx, "qm": qm_ctx}


def test_units_by_id_are_the_listed_rows_of_those_units(desk):
    qm, units = desk["qm"], desk["units"]
    listed = {u.id: u for u in inventory.list_units(qm)}
    wanted = [units[1].id, units[4].id, 999_999]  # one unit that does not exist
    rows = inventory.units_by_id(qm, wanted)
    assert {u.id for u in rows} == {units[1].id, units[4].id}
    assert all(row == listed[row.id] for row in rows)
    assert rows[0].holder or rows[1].holder  # the issued one says who has it
    assert inventory.units_by_id(qm, []) == []


def test_officers_by_id_also_finds_the_officers_of_the_units_named(desk, clock):
    qm, units, people = desk["qm"], desk["units"], desk["people"]
    listed = {o.id: o for o in officers.list_officers(qm)}
    # Named directly; an id that does not exist is left out.
    rows = officers.officers_by_id(qm, [people[3].id, 999_999])
    assert [o.id for o in rows] == [people[3].id] and rows[0] == listed[people[3].id]
    # Unit 1 is people[0]'s primary camera, unit 2 is out with people[1]; unit 6 is nobody's.
    rows = officers.officers_by_id(qm, [], [units[0].id, units[1].id, units[5].id])
    assert {o.id for o in rows} == {people[0].id, people[1].id}
    assert all(row == listed[row.id] for row in rows)
    assert next(o for o in rows if o.id == people[1].id).holding == (units[1].asset_tag,)
    # Returned: the camera no longer ties the officer to the unit.
    clock.advance(hours=8)
    counter.return_unit(qm, units[1].asset_tag)
    assert officers.officers_by_id(qm, [], [units[1].id]) == []
    assert officers.officers_by_id(qm, []) == []


def test_reading_rows_needs_someone_signed_in(desk):
    nobody = desk["qm"].as_actor(None)
    with pytest.raises(NotSignedIn):
        inventory.units_by_id(nobody, [desk["units"][0].id])
    with pytest.raises(NotSignedIn):
        officers.officers_by_id(nobody, [desk["people"][0].id])
