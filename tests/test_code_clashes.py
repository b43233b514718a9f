"""One code identifies one thing at the counter: a camera's asset tag or serial is never an
officer's badge number or ID-badge scan code, however it is written (add, edit, import).
Bug: Add unit took serial 3501, an officer's badge, and the counter then could not tell the
officer from the camera."""

from __future__ import annotations

from pathlib import Path

import pytest

from bwc_desk.domain.errors import ValidationError
from bwc_desk.services import counter, imports, inventory, officers
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput

pytestmark = pytest.mark.both_backends

UNIT_HEADER = ("asset_tag,serial,model,firmware,status,purchase_date,warranty_until,"
               "assigned_badge,notes")


@pytest.fixture
def roster(admin_ctx):
    reyes = officers.add_officer(admin_ctx, OfficerInput("3501", "Reyes", "Ana"))
    lee = officers.add_officer(admin_ctx, OfficerInput("0412", "Lee", "Sam", scan_code="ID-0412"))
    unit = inventory.add_unit(admin_ctx, UnitInput("HPD-BWC-0001", "X60A0001"))
    return {"ctx": admin_ctx, "reyes": reyes, "lee": lee, "unit": unit}


def _units(ctx):
    return [(u.asset_tag, u.serial) for u in inventory.list_units(ctx)]


def test_add_unit_refuses_a_serial_or_tag_that_is_an_officers_badge_or_scan_code(roster):
    ctx = roster["ctx"]
    before = _units(ctx)
    with pytest.raises(ValidationError, match=r"serial 3501 .*badge .*Reyes, Ana \(3501\)"):
        inventory.add_unit(ctx, UnitInput("hpd-bwc-9001", "3501"))
    with pytest.raises(ValidationError, match=r"serial ID-0412 .*scan code .*Lee, Sam \(0412\)"):
        inventory.add_unit(ctx, UnitInput("HPD-BWC-9001", "id-0412"))
    with pytest.raises(ValidationError, match=r"asset tag 3501 .*badge .*Reyes"):
        inventory.add_unit(ctx, UnitInput("3501", "X60A9001"))
    assert _units(ctx) == before
    # the counter still tells the officer from the camera
    assert counter.identify(ctx, "3501").officer.badge == "3501"


def test_edit_unit_refuses_an_officers_badge_as_serial(roster):
    ctx, unit = roster["ctx"], roster["unit"]
    with pytest.raises(ValidationError, match=r"serial 3501 .*Reyes"):
        inventory.edit_unit(ctx, unit.id, UnitInput("HPD-BWC-0001", "3501"))
    assert _units(ctx) == [("HPD-BWC-0001", "X60A0001")]


def test_an_officers_badge_or_scan_code_may_not_be_a_cameras_serial(roster):
    ctx = roster["ctx"]
    with pytest.raises(ValidationError, match=r"Badge X60A0001 .*serial of camera HPD-BWC-0001"):
        officers.add_officer(ctx, OfficerInput("X60A0001", "Brown"))
    with pytest.raises(ValidationError, match=r"scan code X60A0001 .*serial of camera"):
        officers.add_officer(ctx, OfficerInput("0009", "Brown", scan_code="x60a0001"))
    with pytest.raises(ValidationError, match=r"Badge HPD-BWC-0001 .*asset tag of camera"):
        officers.edit_officer(ctx, roster["reyes"].id, OfficerInput("HPD-BWC-0001", "Reyes"))
    assert sorted(o.badge for o in officers.list_officers(ctx)) == ["0412", "3501"]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_imports_refuse_the_same_clashes_with_their_line(roster, tmp_path):
    ctx = roster["ctx"]
    text = f"{UNIT_HEADER}\nHPD-BWC-0002,S-2,,,,,,,\nHPD-BWC-0003,3501,,,,,,,\n"
    for commit in (False, True):
        report = imports.import_units(ctx, write(tmp_path, "u.csv", text), commit=commit)
        assert [line for line, _ in report.errors] == [3]
        assert "3501" in report.errors[0][1] and "badge" in report.errors[0][1]
    text = "badge,last_name,scan_code\n0007,Jones,\nX60A0001,Brown,\n0008,Kim,x60a0001\n"
    for commit in (False, True):
        report = imports.import_officers(ctx, write(tmp_path, "o.csv", text), commit=commit)
        assert [line for line, _ in report.errors] == [3, 4]
        assert all("serial" in why and "HPD-BWC-0001" in why for _, why in report.errors)
    assert len(inventory.list_units(ctx)) == 1
    assert len(officers.list_officers(ctx)) == 2


def test_a_directory_sync_skips_an_entry_whose_badge_or_card_is_a_cameras_code(
        admin_ctx, directory):
    from bwc_desk.services import directory_sync
    from tests.test_directory_sync import configure

    inventory.add_unit(admin_ctx, UnitInput("HPD-BWC-0009", "X60A0009"))
    inventory.add_unit(admin_ctx, UnitInput("HPD-BWC-0010", "X60A0010"))
    directory.add_person("serial", "6001", "Serial", card="x60a0009")  # a camera's serial
    directory.add_person("badge", "X60A0010", "Badge", card="ID-6004")  # badge = a serial
    directory.add_person("tag", "hpd-bwc-0009", "Tag", card="ID-6005")  # badge = a tag
    directory.add_person("fine", "6002", "Fine")
    configure(admin_ctx, directory, max_deactivate_pct=50)
    result = directory_sync.sync_officers(admin_ctx)
    messages = sorted(p.message for p in result.preview.skipped)
    assert len(messages) == 3, messages
    assert all("of camera HPD-BWC-00" in m and "correct it in the directory" in m
               for m in messages)
    assert [o.badge for o in officers.list_officers(admin_ctx)] == ["6002"]
