"""Every Qt model through qtmodeltester, then what it shows (continued from
tests/test_ui_models_all.py, which finds every model class and holds the list of tests): the
administration dialogs, the import preview and the shift-change board."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QMimeData, QModelIndex, Qt

from bwc_desk.domain.audit import Outcome
from bwc_desk.domain.roles import Role
from bwc_desk.services.audit import AuditRow
from bwc_desk.services.dto import ImportReport, StaffRow
from bwc_desk.services.reassignment import Candidate, Proposal, ProposedMove
from bwc_desk.services.shift_change import ReadyKind, ReadyUnit
from bwc_desk.ui.models.import_preview_model import ImportPreviewModel, preview_rows
from bwc_desk.ui.models.proposal_model import ProposalModel
from bwc_desk.ui.models.shift_change_models import (
    UNIT_MIME,
    IncomingOfficerModel,
    ReadyUnitModel,
    decode_unit_ids,
    encode_unit_ids,
)
from bwc_desk.ui.models.table_model import text_of
from tests.test_ui_models_all import (
    ALIGN,
    BG,
    DESC,
    RIGHT,
    T0,
    TIP,
    _officers,
    cell,
    colour,
    column_texts,
    model_class,
    shown,
    sort_view,
    view_of,
)


# --- administration ----------------------------------------------------------------------------
def test_audit_model_shows_refusals_in_red(qtbot, qtmodeltester):
    rows = [
        AuditRow(7, T0, "sign in", Outcome.OK.value, "quinn", "DESK-1", {"method": "password"}),
        AuditRow(8, T0 + timedelta(minutes=3), "sign in", Outcome.REFUSED.value, "sam", "DESK-2",
                 {"reason": "wrong password", "note": ""}),
        AuditRow(9, T0 + timedelta(minutes=5), "export", Outcome.FAILED.value, "ada", "DESK-1"),
    ]
    model = model_class("AuditTableModel")()  # found wherever it lives (a dialog now)
    model.set_rows(rows)
    qtmodeltester.check(model)
    col = type(model)
    assert [cell(model, 1, c) for c in range(model.columnCount())] == [
        "8", text_of(rows[1].at), "sign in", "refused", "sam", "DESK-2", "reason: wrong password",
    ]
    assert colour(model, 0, col.COL_OUTCOME) is None
    assert colour(model, 1, col.COL_OUTCOME) == "#b91c1c"
    assert colour(model, 2, col.COL_STAFF) == "#b91c1c"
    assert cell(model, 0, col.COL_SEQ, ALIGN) == RIGHT
    table = view_of(qtbot, qtmodeltester, model)
    # The dialog's order: newest first.
    assert sort_view(table, col.COL_SEQ, DESC, col.COL_SEQ) == ["9", "8", "7"]
    assert [colour(table.proxy, r, col.COL_STAFF) for r in range(3)] == [
        "#b91c1c", "#b91c1c", None]


def test_staff_model_shows_locked_and_disabled_accounts(qtbot, qtmodeltester):
    rows = [
        StaffRow(1, "quinn", "Quinn Q", Role.QUARTERMASTER, True, has_pin=True,
                 badge_code="S-0099"),
        StaffRow(2, "sam", "Sam S", Role.SUPERVISOR, True, locked=True, badge_code="S-0100"),
        StaffRow(3, "old.tim", "Tim T", Role.AUDITOR, False, source="directory"),
    ]
    model = model_class("StaffTableModel")()
    model.set_rows(rows)
    qtmodeltester.check(model)
    col = type(model)
    assert [cell(model, 0, c) for c in range(model.columnCount())] == [
        "quinn", "Quinn Q", "quartermaster", "Yes", "", "S-0099", "own",
    ]
    assert column_texts(model, col.COL_SOURCE) == ["own", "own", "directory"]
    assert cell(model, 1, col.COL_LOCKED) == "LOCKED"
    assert cell(model, 1, col.COL_BADGE) == ""  # a badge without a PIN does not sign in
    assert column_texts(model, col.COL_ACTIVE) == ["Yes", "Yes", "No"]
    assert colour(model, 1, col.COL_USER) == "#b91c1c"
    assert colour(model, 2, col.COL_USER) == "#6b7280"
    assert colour(model, 0, col.COL_USER) is None
    table = view_of(qtbot, qtmodeltester, model)
    assert sort_view(table, col.COL_ROLE, shown_column=col.COL_ROLE) == [
        "auditor", "quartermaster", "supervisor"]
    assert colour(table.proxy, 0, col.COL_USER) == "#6b7280"
    assert cell(table.proxy, 2, col.COL_LOCKED) == "LOCKED"


# --- imports -----------------------------------------------------------------------------------
def test_import_preview_model_gives_each_line_its_verdict(qtbot, qtmodeltester):
    report = ImportReport(
        "units", added=1, updated=1, unchanged=1,
        errors=((4, "serial X60A0001 is already HPD-BWC-0001"), (6, "no asset tag")),
        verdicts=((2, "HPD-BWC-0100", "new"), (3, "HPD-BWC-0001", "update"),
                  (4, "HPD-BWC-0101", "error"), (5, "HPD-BWC-0002", "unchanged")),
        changes=((3, "firmware 1.4.2 -> 1.5.0"),),
    )
    model = ImportPreviewModel()
    model.set_rows(ImportPreviewModel.prepare(preview_rows(report)))
    qtmodeltester.check(model)
    col = ImportPreviewModel
    assert column_texts(model, col.COL_LINE) == ["2", "3", "4", "5", "6"]
    assert column_texts(model, col.COL_VERDICT) == ["new", "update", "error", "unchanged",
                                                    "error"]
    assert cell(model, 1, col.COL_REASON) == "firmware 1.4.2 -> 1.5.0"
    assert cell(model, 2, col.COL_REASON) == "serial X60A0001 is already HPD-BWC-0001"
    assert cell(model, 4, col.COL_REASON) == "no asset tag" and cell(model, 4, col.COL_KEY) == ""
    assert [colour(model, r, col.COL_VERDICT) for r in range(5)] == [
        "#15803d", "#1d4ed8", "#b91c1c", "#6b7280", "#b91c1c"]
    assert colour(model, 0, col.COL_KEY) is None  # the verdict's colour, not the whole row's
    assert colour(model, 2, col.COL_KEY, BG) == "#fef2f2"
    assert colour(model, 0, col.COL_KEY, BG) is None
    assert cell(model, 0, col.COL_LINE, ALIGN) == RIGHT
    table = view_of(qtbot, qtmodeltester, model)
    assert sort_view(table, col.COL_VERDICT, shown_column=col.COL_VERDICT) == [
        "error", "error", "new", "unchanged", "update"]
    assert shown(table, col.COL_LINE) == ["4", "6", "2", "5", "3"]  # ties: in line order
    assert [colour(table.proxy, r, col.COL_KEY, BG) for r in range(2)] == ["#fef2f2"] * 2
    assert sort_view(table, col.COL_LINE, DESC, col.COL_LINE) == ["6", "5", "4", "3", "2"]


# --- shift change --------------------------------------------------------------------------------
def test_ready_unit_model_drags_unit_ids_and_says_why_not_ready(qtbot, qtmodeltester):
    rows = [
        ReadyUnit(1, "HPD-BWC-0002", "Axon Body 3", ReadyKind.PRIMARY, 1, "Smith, John (0412)"),
        ReadyUnit(2, "HPD-BWC-0001", "Axon Body 3", ReadyKind.POOL, 1, "Patrol North"),
        ReadyUnit(3, "HPD-BWC-0010", "WatchGuard V300", ReadyKind.SPARE, ready=False,
                  not_ready="battery 40%, 3 videos not uploaded"),
    ]
    model = ReadyUnitModel()
    model.set_rows(ReadyUnitModel.prepare(rows))
    qtmodeltester.check(model)
    col = ReadyUnitModel
    assert column_texts(model, col.COL_FOR) == ["Primary of Smith, John (0412)",
                                                "Pool: Patrol North", "Spare"]
    assert column_texts(model, col.COL_READY) == [
        "Ready", "Ready", "Not ready: battery 40%, 3 videos not uploaded"]
    assert colour(model, 2, col.COL_TAG) == "#6b7280" and colour(model, 0, col.COL_TAG) is None
    assert cell(model, 2, col.COL_TAG, TIP) == (
        "The dock holds it back: battery 40%, 3 videos not uploaded")
    assert "Drag it onto an incoming officer" in cell(model, 0, col.COL_TAG, TIP)
    assert model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsDragEnabled
    mime = model.mimeData([model.index(2, 0), model.index(0, 1), model.index(0, 0)])
    assert decode_unit_ids(mime) == [1, 3]
    assert mime.text() == "HPD-BWC-0002\nHPD-BWC-0010"
    assert model.mimeTypes() == [UNIT_MIME]
    table = view_of(qtbot, qtmodeltester, model)
    assert sort_view(table, col.COL_TAG) == ["HPD-BWC-0001", "HPD-BWC-0002", "HPD-BWC-0010"]
    # Dragged from the sorted table: the units of the rows dragged, not of the model's rows.
    proxy = table.proxy
    assert proxy.flags(proxy.index(0, 0)) & Qt.ItemFlag.ItemIsDragEnabled
    dragged = proxy.mimeData([proxy.index(0, 0), proxy.index(2, 0)])
    assert decode_unit_ids(dragged) == [2, 3]
    assert dragged.text() == "HPD-BWC-0001\nHPD-BWC-0010"


def test_incoming_officer_model_takes_only_our_drops(qtbot, qtmodeltester):
    officers = _officers()[:3]
    model = IncomingOfficerModel()
    model.set_rows(IncomingOfficerModel.prepare(officers))
    qtmodeltester.check(model)
    col = IncomingOfficerModel
    assert column_texts(model, col.COL_PRIMARY) == ["HPD-BWC-0002", "none", "none"]
    assert cell(model, 0, col.COL_NAME) == "Smith, John"
    assert colour(model, 1, col.COL_PRIMARY) == "#b45309"
    assert colour(model, 0, col.COL_PRIMARY) is None
    assert model.flags(model.index(1, 0)) & Qt.ItemFlag.ItemIsDropEnabled
    copy = Qt.DropAction.CopyAction
    ours = encode_unit_ids([3], ["HPD-BWC-0010"])
    text = QMimeData()
    text.setText("HPD-BWC-0010")
    assert not model.canDropMimeData(text, copy, -1, -1, model.index(1, 0))
    assert not model.canDropMimeData(ours, copy, -1, -1, QModelIndex())  # on no one
    with qtbot.waitSignal(model.units_dropped) as dropped:
        assert model.dropMimeData(ours, copy, -1, -1, model.index(2, 0))
    assert dropped.args[0] == [3] and dropped.args[1].badge == "1203"
    model.drops_enabled = False  # while an assignment is being written
    assert not model.flags(model.index(1, 0)) & Qt.ItemFlag.ItemIsDropEnabled
    assert not model.canDropMimeData(ours, copy, -1, -1, model.index(1, 0))
    model.drops_enabled = True
    table = view_of(qtbot, qtmodeltester, model)
    assert sort_view(table, col.COL_BADGE, shown_column=col.COL_BADGE) == ["0007", "0412", "1203"]
    # Dropped on a row of the sorted table: the officer of that row.
    proxy = table.proxy
    assert proxy.canDropMimeData(ours, copy, -1, -1, proxy.index(0, 0))
    with qtbot.waitSignal(model.units_dropped) as dropped:
        assert proxy.dropMimeData(ours, copy, -1, -1, proxy.index(0, 0))
    assert dropped.args[0] == [3] and dropped.args[1].badge == "0007"
    assert colour(proxy, 0, col.COL_PRIMARY) == "#b45309"


def test_proposal_model_edits_the_incoming_officer_and_flags_doubles(qtbot, qtmodeltester):
    moves = (
        ProposedMove(1, "HPD-BWC-0002", 1, "Smith, John (0412)", "Patrol North", 11,
                     "Lee, Dana (2201)", "Patrol North"),
        ProposedMove(2, "HPD-BWC-0044", 2, "Jones, Ann (0007)", "Traffic", 12,
                     "Park, Min (2202)", "Patrol North"),
    )
    candidates = (Candidate(11, "Lee, Dana (2201)", "Patrol North"),
                  Candidate(12, "Park, Min (2202)", "Patrol North"),
                  Candidate(13, "Ruiz, Eva (2203)", "Traffic"))
    model = ProposalModel()
    model.set_proposal(Proposal("Day", "Evening", "shift change", moves, candidates, (), ()))
    qtmodeltester.check(model)
    col = ProposalModel
    assert column_texts(model, col.COL_NOTE) == ["same division", "other division"]
    assert cell(model, 0, col.COL_TO) == "Lee, Dana (2201)"
    assert cell(model, 0, col.COL_TO, Qt.ItemDataRole.EditRole) == 11
    assert model.flags(model.index(0, col.COL_TO)) & Qt.ItemFlag.ItemIsEditable
    assert not model.flags(model.index(0, col.COL_FROM)) & Qt.ItemFlag.ItemIsEditable
    assert model.headerData(col.COL_TO, Qt.Orientation.Horizontal, TIP) == (
        "Double-click or F2 to pick another")
    assert not model.setData(model.index(0, col.COL_TO), 99)  # not an incoming officer
    assert model.setData(model.index(1, col.COL_TO), 11)  # two cameras for Lee: both flagged
    assert column_texts(model, col.COL_NOTE) == [
        "Lee, Dana (2201) gets more than one camera: change one of the rows"] * 2
    assert colour(model, 0, col.COL_CAMERA, BG) == "#fee2e2"
    assert model.setData(model.index(1, col.COL_TO), 13)  # Traffic to Traffic
    assert column_texts(model, col.COL_NOTE) == ["same division", "same division"]
    assert cell(model, 1, col.COL_TO_DIVISION) == "Traffic"
    assert colour(model, 0, col.COL_CAMERA, BG) is None
    model.set_problems([(2, "HPD-BWC-0044 is out with Jones, Ann (0007)")])
    assert cell(model, 1, col.COL_NOTE) == "HPD-BWC-0044 is out with Jones, Ann (0007)"
    assert colour(model, 1, col.COL_CAMERA, BG) == "#fee2e2"
    assert [m.to_officer_id for m in model.moves()] == [11, 13]
    table = view_of(qtbot, qtmodeltester, model)
    assert sort_view(table, col.COL_CAMERA, DESC) == ["HPD-BWC-0044", "HPD-BWC-0002"]
    assert colour(table.proxy, 0, col.COL_CAMERA, BG) == "#fee2e2"
    # Edited in the sorted table: the row shown, not the model's row of that number.
    assert table.proxy.setData(table.proxy.index(1, col.COL_TO), 12)
    assert cell(model, 0, col.COL_TO) == "Park, Min (2202)"
    assert cell(table.proxy, 1, col.COL_TO) == "Park, Min (2202)"
    # The row the supervisor selects and removes (the page's Remove button).
    table.table.selectRow(0)
    model.remove_units([m.unit_id for m in table.selected_rows()])
    assert shown(table) == ["HPD-BWC-0002"] and not model.problems
    model.set_problems([(1, "HPD-BWC-0002 is in repair")])
    assert model.removeRows(0, 1)  # Qt's own removal: the model's rows
    assert model.rowCount() == 0 and table.proxy.rowCount() == 0 and not model.problems
    qtmodeltester.check(model)


def test_sync_preview_model_shows_each_change_field_by_field(qtbot, qtmodeltester):
    from bwc_desk.services.directory_admin import plan_of
    from bwc_desk.services.directory_sync import (
        FieldChange,
        OfficerChange,
        SyncPreview,
        SyncProblem,
    )
    from bwc_desk.ui.models.directory_sync_model import SyncPreviewModel

    preview = SyncPreview(
        entries=4,
        added=(OfficerChange(None, "2003", "Diaz, Ana", "cn=a", (
            FieldChange("badge", "", "2003"), FieldChange("last_name", "", "Diaz"),
            FieldChange("rank", "", "")),),),
        changed=(OfficerChange(7, "2001", "Ruiz, Olga", "cn=o", (
            FieldChange("rank", "Officer", "Sergeant"),
            FieldChange("division", "North", "South"))),),
        deactivated=(OfficerChange(8, "2002", "Chen, Wei", "cn=w", why="gone from the directory",
                                   holding=("HPD-7",)),),
        unchanged=0,
        skipped=(SyncProblem("cn=x,ou=t", "no badge (employeeID)"),),
        left_alone=0,
        active_before=2,
        threshold_pct=10,
    )
    plan = plan_of(preview)
    assert plan.threshold_text.startswith("This sync would deactivate 1 of 2 active officers")
    assert (plan.added, plan.changed, plan.deactivated, plan.holders) == (1, 1, 1, 1)
    model = SyncPreviewModel()
    model.set_rows(SyncPreviewModel.prepare(list(plan.rows)))
    qtmodeltester.check(model)
    col = SyncPreviewModel
    assert column_texts(model, col.COL_KIND) == [
        "added", "changed", "changed", "deactivated", "skipped"]
    assert cell(model, 0, col.COL_NEW) == "badge: 2003, last_name: Diaz"  # blanks left out
    assert [cell(model, r, col.COL_FIELD) for r in (1, 2)] == ["rank", "division"]
    assert (cell(model, 1, col.COL_OLD), cell(model, 1, col.COL_NEW)) == ("Officer", "Sergeant")
    assert cell(model, 3, col.COL_HOLDS) == "HPD-7"
    assert cell(model, 3, col.COL_NEW) == "gone from the directory"
    assert cell(model, 4, col.COL_NAME) == "cn=x,ou=t"
    assert [colour(model, r, col.COL_KIND) for r in range(5)] == [
        "#15803d", "#1d4ed8", "#1d4ed8", "#b91c1c", "#6b7280"]
    assert colour(model, 3, col.COL_HOLDS) == "#b91c1c" and colour(model, 1, col.COL_HOLDS) is None
    assert colour(model, 3, col.COL_BADGE, BG) == "#fef2f2"
    assert colour(model, 1, col.COL_BADGE, BG) is None
    table = view_of(qtbot, qtmodeltester, model)
    assert sort_view(table, col.COL_KIND, DESC) == [
        "skipped", "deactivated", "changed", "changed", "added"]
    assert sort_view(table, col.COL_BADGE, shown_column=col.COL_BADGE) == [
        "2001", "2001", "2002", "2003", ""]


def test_cell_texts_and_sort_keys_of_every_kind_of_value():
    """The fast paths (text first, no strftime) say what the general ones said: a local
    time to the minute, Yes/No, lists joined; blanks sort last whatever their kind."""
    from datetime import UTC, date, datetime

    from bwc_desk.ui.models.rows import BLANK, sort_key, text_of

    moment = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert text_of(moment) == moment.astimezone().strftime("%Y-%m-%d %H:%M")
    assert text_of(date(2026, 3, 4)) == "2026-03-04"
    assert [text_of(v) for v in ("Cage B", None, True, False, 7, ["a", "b"])] == [
        "Cage B", "", "Yes", "No", "7", "a, b"]
    assert sort_key("Cage B") == (1, "cage b") and sort_key(7) < sort_key(8)
    assert sort_key(moment) < sort_key(datetime(2026, 3, 5, tzinfo=UTC))
    assert sort_key("") == sort_key(None) == sort_key([]) == BLANK
    assert sorted(["b", "", "A", None], key=sort_key) == ["A", "b", "", None]


def test_cell_times_are_local_across_daylight_saving_changes(monkeypatch):
    """A stored UTC time shows as the station's local time on either side of a daylight
    saving change (and in a zone whose change is half an hour), as astimezone() has it;
    a naive time is taken as local, as astimezone() takes it."""
    import time
    from datetime import UTC, datetime, timedelta

    from bwc_desk.ui.models.rows import text_of

    def expected(value: datetime) -> str:
        return value.astimezone().strftime("%Y-%m-%d %H:%M")

    try:
        for zone in ("America/New_York", "Australia/Lord_Howe", "Europe/Berlin"):
            monkeypatch.setenv("TZ", zone)
            time.tzset()
            start = datetime(2026, 3, 1, tzinfo=UTC)
            moments = [start + timedelta(minutes=15 * i) for i in range(0, 4 * 24 * 250, 7)]
            assert [text_of(m) for m in moments] == [expected(m) for m in moments]
            naive = [m.replace(tzinfo=None) for m in moments[:400]]
            assert [text_of(m) for m in naive] == [expected(m) for m in naive]
        monkeypatch.setenv("TZ", "America/New_York")
        time.tzset()  # (half an hour before and after the clocks went forward)
        assert text_of(datetime(2026, 3, 8, 6, 30, tzinfo=UTC)) == "2026-03-08 01:30"
        assert text_of(datetime(2026, 3, 8, 7, 30, tzinfo=UTC)) == "2026-03-08 03:30"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_prepare_gives_each_row_its_texts_keys_and_filter_text():
    """``prepare`` (column by column) gives what each row's cells say, one by one: texts,
    sort keys (a column's own sort where it has one), the lower-case filter text, the
    widest texts and the sorted order."""
    from datetime import UTC, date, datetime

    from bwc_desk.ui.models.rows import SEP, Column, prepare, sort_key, text_of

    rows = [
        ("B-2", None, datetime(2026, 1, 2, 3, 4, tzinfo=UTC), date(2027, 1, 1), 3),
        ("a-10", "Smith", None, None, 11),
        ("C-1", "", datetime(2025, 5, 6, tzinfo=UTC), date(2026, 2, 3), 2),
    ]
    columns = [Column("Tag", lambda r: r[0]), Column("Who", lambda r: r[1]),
               Column("When", lambda r: f"at {text_of(r[2])}" if r[2] else "",
                      sort=lambda r: r[2]),
               Column("Until", lambda r: r[3]), Column("N", lambda r: r[4])]
    prepared = prepare(columns, rows, sort_column=4)
    texts = [tuple(text_of(c.value(r)) for c in columns) for r in rows]
    assert prepared.texts == texts
    assert prepared.keys == [[sort_key((c.sort or c.value)(r)) for r in rows] for c in columns]
    assert prepared.hay == [SEP.join(t).lower() for t in texts]
    assert prepared.order == [2, 0, 1] and prepared.sorted_by == 4
    assert prepared.widest[0] == ("a-10", "B-2", "C-1")
    empty = prepare(columns, [])
    assert empty.texts == [] and empty.keys == [[] for _ in columns] and empty.hay == []
