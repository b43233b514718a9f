"""Officers from a real OpenLDAP server (tests/ldap.py): add, rename, new badge, disable,
delete, the threshold, dry runs, clashes, linking, and one station at a time."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bwc_desk.domain.audit import AuditEvent
from bwc_desk.services import counter, directory_settings, directory_sync, inventory, officers
from bwc_desk.services.context import Ctx
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.directory_sync import SyncNeedsConfirmation
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.store.models import AuditRecord, Base, CustodyEvent, Officer
from tests.ldap import Directory

pytestmark = pytest.mark.both_backends


def configure(ctx: Ctx, directory: Directory, **changes) -> None:
    directory_settings.set_directory(ctx, {**directory.settings().as_dict(), **changes},
                                     password=directory.server.password)


def roster(ctx: Ctx) -> dict[str, tuple]:
    """badge -> (id, last, first, rank, division, shift, scan code, active)."""
    return {o.badge: (o.id, o.last_name, o.first_name, o.rank, o.division, o.shift,
                      o.scan_code, o.active) for o in officers.list_officers(ctx)}


def everything(ctx: Ctx, but: tuple[str, ...] = ()) -> list:
    with ctx.db.read() as session:
        return [session.execute(select(t)).all() for t in Base.metadata.sorted_tables
                if t.name not in but]


def sync_audits(ctx: Ctx) -> list[tuple[str, dict]]:
    with ctx.db.read() as session:
        return [(r.outcome, json.loads(r.details or "{}")) for r in session.execute(
            select(AuditRecord).where(AuditRecord.event == AuditEvent.DIRECTORY_SYNC.value)
            .order_by(AuditRecord.seq)).scalars()]


@pytest.fixture
def synced(admin_ctx: Ctx, directory: Directory) -> dict[str, str]:
    """Three officers in the directory, synced once."""
    dns = {
        "smith": directory.add_person("jsmith", "0412", "Smith", "John", rank="Officer",
                                      division="Patrol", shift="day", card="ID-0412"),
        "jones": directory.add_person("ajones", "0007", "Jones", "Ann", rank="Sergeant",
                                      division="Traffic", shift="Night"),
        "brown": directory.add_person("kbrown", "1234", "Brown", "Kim", guid=False),
    }
    configure(admin_ctx, directory, max_deactivate_pct=50)
    directory_sync.sync_officers(admin_ctx)
    return dns


def test_sync_adds_officers_with_the_mapped_attributes_and_audits_the_counts(
        admin_ctx: Ctx, directory: Directory, synced) -> None:
    got = roster(admin_ctx)
    assert set(got) == {"0412", "0007", "1234"}
    assert got["0412"][1:] == ("Smith", "John", "Officer", "Patrol", "Day", "ID-0412", True)
    assert got["0007"][1:] == ("Jones", "Ann", "Sergeant", "Traffic", "Night", "0007", True)
    assert got["1234"][1:] == ("Brown", "Kim", "", "", "", "1234", True)
    [(outcome, details)] = sync_audits(admin_ctx)
    assert outcome == "ok"
    assert (details["entries"], details["added"], details["changed"],
            details["deactivated"]) == (3, 3, 0, 0)
    again = directory_sync.sync_officers(admin_ctx).preview
    assert (len(again.added), len(again.changed), again.unchanged) == (0, 0, 3)


def test_a_rename_updates_the_officer_and_never_makes_a_second(
        admin_ctx: Ctx, directory: Directory, synced) -> None:
    before = roster(admin_ctx)
    dn = directory.rename(synced["smith"], "jsmith-walker")
    directory.modify(dn, sn="Smith-Walker")
    preview = directory_sync.preview_sync(admin_ctx)
    [change] = preview.changed
    assert [(c.field, c.old, c.new) for c in change.changes] == [
        ("last_name", "Smith", "Smith-Walker")]
    directory_sync.sync_officers(admin_ctx)
    after = roster(admin_ctx)
    assert len(after) == 3
    assert after["0412"][0] == before["0412"][0] and after["0412"][1] == "Smith-Walker"


def test_a_new_badge_updates_the_officer(admin_ctx: Ctx, directory: Directory, synced) -> None:
    jones_id = roster(admin_ctx)["0007"][0]
    directory.modify(synced["jones"], employeeID="0777")
    directory.modify(synced["brown"], employeeID="4321")  # keyed on entryUUID: no objectGUID
    preview = directory_sync.preview_sync(admin_ctx)
    fields = {c.badge: [(f.field, f.old, f.new) for f in c.changes] for c in preview.changed}
    assert fields["0777"] == [("badge", "0007", "0777"), ("scan_code", "0007", "0777")]
    directory_sync.sync_officers(admin_ctx)
    after = roster(admin_ctx)
    assert set(after) == {"0412", "0777", "4321"}
    assert after["0777"][0] == jones_id and after["0777"][6] == "0777"


def test_a_disabled_account_deactivates_and_enabling_it_again_reactivates(
        admin_ctx: Ctx, directory: Directory, synced) -> None:
    directory.disable(synced["jones"])
    preview = directory_sync.preview_sync(admin_ctx)
    assert [(c.badge, c.why) for c in preview.deactivated] == [
        ("0007", "the account is disabled in the directory")]
    directory_sync.sync_officers(admin_ctx)
    assert roster(admin_ctx)["0007"][7] is False
    directory.modify(synced["jones"], userAccountControl="512")
    preview = directory_sync.sync_officers(admin_ctx).preview
    assert [(f.field, f.new) for f in preview.changed[0].changes] == [("active", "yes")]
    assert roster(admin_ctx)["0007"][7] is True


def test_a_deleted_entry_deactivates_never_deletes_and_a_holder_is_flagged(
        admin_ctx: Ctx, directory: Directory, synced) -> None:
    smith_id = roster(admin_ctx)["0412"][0]
    inventory.add_unit(admin_ctx, UnitInput("HPD-BWC-0001", "X60A0001"))
    counter.issue_unit(admin_ctx, smith_id, "HPD-BWC-0001", function_test=FunctionTest())
    with admin_ctx.db.read() as session:
        events_before = session.execute(select(CustodyEvent.seq, CustodyEvent.hash)).all()
    directory.delete(synced["smith"])
    preview = directory_sync.preview_sync(admin_ctx)
    [gone] = preview.deactivated
    assert gone.holding == ("HPD-BWC-0001",) and preview.flagged == (gone,)
    assert "no longer in the directory" in gone.why
    directory_sync.sync_officers(admin_ctx)
    assert roster(admin_ctx)["0412"][7] is False  # still there, inactive
    row = officers.officer_by_id(admin_ctx, smith_id)
    assert row.holding == ("HPD-BWC-0001",)
    assert directory_sync.inactive_holders(admin_ctx) == [
        (smith_id, "Smith, John (0412)", ("HPD-BWC-0001",))]
    with admin_ctx.db.read() as session:
        events_after = session.execute(select(CustodyEvent.seq, CustodyEvent.hash)).all()
    assert events_after[:len(events_before)] == events_before  # custody untouched, appended
    assert sync_audits(admin_ctx)[-1][1]["still_holding"] == {"0412": ["HPD-BWC-0001"]}


def test_a_sync_that_would_deactivate_too_many_stops_and_asks(
        admin_ctx: Ctx, directory: Directory, synced) -> None:
    configure(admin_ctx, directory, max_deactivate_pct=10)
    directory.delete(synced["jones"])
    before = everything(admin_ctx, but=("audit_log", "chain_heads"))
    with pytest.raises(SyncNeedsConfirmation, match=r"1 of 3 active officers \(33 %") as stop:
        directory_sync.sync_officers(admin_ctx)
    assert len(stop.value.preview.deactivated) == 1
    outcome, details = sync_audits(admin_ctx)[-1]
    assert (outcome, details["deactivated"], details["confirmed"]) == ("refused", 1, False)
    assert roster(admin_ctx)["0007"][7] is True
    # only the audit record of the stop was added
    assert everything(admin_ctx, but=("audit_log", "chain_heads")) == before
    directory_sync.sync_officers(admin_ctx, confirm=True)
    assert roster(admin_ctx)["0007"][7] is False


def test_a_dry_run_writes_nothing(admin_ctx: Ctx, directory: Directory, synced) -> None:
    directory.add_person("new.one", "5555", "Newman")
    directory.disable(synced["jones"])
    directory.modify(synced["smith"], title="Sergeant")
    before = everything(admin_ctx)
    result = directory_sync.sync_officers(admin_ctx, dry_run=True)
    assert not result.applied
    assert (len(result.preview.added), len(result.preview.changed),
            len(result.preview.deactivated)) == (1, 1, 1)
    assert everything(admin_ctx) == before


def test_a_clashing_entry_is_skipped_with_a_message_and_the_rest_applies(
        admin_ctx: Ctx, directory: Directory, synced) -> None:
    directory.add_person("dup", "1234", "Double")  # Brown's badge
    directory.add_person("card", "6000", "Card", card="0007")  # Jones's scan code (= badge)
    directory.add_person("card2", "6003", "Card", card="0412")  # Smith's badge (scan ID-0412)
    inventory.add_unit(admin_ctx, UnitInput("HPD-BWC-0009", "X60A0009"))
    directory.add_person("cam", "6001", "Camera", card="HPD-BWC-0009")
    directory.add_person("fine", "6002", "Fine")
    directory.add_person("nobadge", "", "Nobadge")  # the filter asks for employeeID=*...
    directory.modify(synced["jones"], title="Lieutenant")
    configure(admin_ctx, directory, filter="(objectClass=inetOrgPerson)")  # ...not this one
    entries = directory_sync.fetch_entries(admin_ctx)
    assert directory_sync.preview_sync(admin_ctx, entries).skipped == \
        directory_sync.sync_officers(admin_ctx, dry_run=True).preview.skipped
    result = directory_sync.sync_officers(admin_ctx, entries=entries)
    messages = sorted(p.message for p in result.preview.skipped)
    assert len(messages) == 5
    assert any("badge is required" in m for m in messages)
    assert any("badge 1234 would also belong to Brown, Kim (1234)" in m for m in messages)
    assert any("scan code 0007 would also belong to Jones, Ann (0007)" in m for m in messages)
    assert any("scan code 0412 would be a badge number too (Smith, John (0412))" in m
               for m in messages)
    assert any("asset tag of camera HPD-BWC-0009" in m for m in messages)
    assert all("correct it in the directory" in m for m in messages)
    got = roster(admin_ctx)
    assert set(got) == {"0412", "0007", "1234", "6002"}
    assert got["0007"][3] == "Lieutenant" and got["0412"][1] == "Smith"
    assert sync_audits(admin_ctx)[-1][1]["skipped"] == 5


def test_an_officer_already_on_the_roster_is_linked_not_doubled(
        admin_ctx: Ctx, directory: Directory) -> None:
    existing = officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "J"))
    officers.add_officer(admin_ctx, OfficerInput("9999", "Manual", "Kept"))
    directory.add_person("jsmith", "0412", "Smith", "John")
    configure(admin_ctx, directory)
    preview = directory_sync.sync_officers(admin_ctx).preview
    assert preview.added == () and preview.left_alone == 1
    [linked] = preview.changed
    assert linked.officer_id == existing.id
    assert ("first_name", "J", "John") in [(c.field, c.old, c.new) for c in linked.changes]
    with admin_ctx.db.read() as session:
        assert session.execute(select(func.count()).select_from(Officer)).scalar_one() == 2
        assert session.get(Officer, existing.id).directory_id
    directory_sync.sync_officers(admin_ctx)  # the manual officer is never deactivated
    assert roster(admin_ctx)["9999"][7] is True


def test_the_scheduled_sync_runs_on_one_station_at_a_time(
        admin_ctx: Ctx, directory: Directory, clock) -> None:
    directory.add_person("jsmith", "0412", "Smith")
    configure(admin_ctx, directory, schedule_minutes=15)
    other = Ctx(db=admin_ctx.db, station="STATION-2", actor=admin_ctx.actor, clock=clock)
    assert directory_sync.run_scheduled(admin_ctx) is not None
    assert directory_sync.run_scheduled(other) is None  # admin_ctx's lease, not yet due
    clock.advance(minutes=10)
    assert directory_sync.run_scheduled(admin_ctx) is None  # not due yet
    clock.advance(minutes=25)  # the lease expired: either may take it; one does
    assert directory_sync.run_scheduled(other) is not None
    assert directory_sync.run_scheduled(admin_ctx) is None
    runs = sync_audits(admin_ctx)
    assert len(runs) == 2
    with admin_ctx.db.read() as session:
        who = session.execute(select(AuditRecord.staff_username, AuditRecord.station).where(
            AuditRecord.event == AuditEvent.DIRECTORY_SYNC.value)).all()
    assert who == [("directory-sync", admin_ctx.station), ("directory-sync", "STATION-2")]


def test_a_run_against_an_unreachable_directory_is_audited_as_failed(
        admin_ctx: Ctx, directory: Directory) -> None:
    from bwc_desk.adapters.directory import DirectoryUnreachable

    configure(admin_ctx, directory, url="ldaps://127.0.0.1:1")
    with pytest.raises(DirectoryUnreachable, match="does not answer"):
        directory_sync.sync_officers(admin_ctx, dry_run=True)
    assert sync_audits(admin_ctx) == []  # a dry run writes nothing, even its failure
    with pytest.raises(DirectoryUnreachable):
        directory_sync.sync_officers(admin_ctx)
    [(outcome, details)] = sync_audits(admin_ctx)
    assert outcome == "failed" and "does not answer" in details["error"]
