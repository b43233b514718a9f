"""Every Qt model through qtmodeltester, then what it shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt

from bwc_desk.services import counter, inventory, officers
from bwc_desk.services.dto import CheckoutRow
from bwc_desk.ui.models.checkout_table_model import CheckoutTableModel
from bwc_desk.ui.models.event_table_model import EventTableModel
from bwc_desk.ui.models.officer_table_model import OfficerTableModel
from bwc_desk.ui.models.table_model import ROW_ROLE, FilterProxy
from bwc_desk.ui.models.unit_table_model import UnitTableModel
from tests.conftest import demo_ctx


def test_unit_model_and_proxy(qtmodeltester, demo_db):
    ctx = demo_ctx(demo_db)
    model = UnitTableModel()
    model.set_rows(inventory.list_units(ctx))
    qtmodeltester.check(model)
    assert model.rowCount() == 475 and model.columnCount() == 10
    assert model.index(0, UnitTableModel.COL_TAG).data() == "HPD-BWC-0001"
    proxy = FilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    proxy.set_text("retired")
    assert proxy.rowCount() == 2
    proxy.set_text("hpd-bwc-004")  # case-insensitive, any column
    assert {proxy.index(r, 0).data() for r in range(proxy.rowCount())} == {
        f"HPD-BWC-004{i}" for i in range(10)
    }
    proxy.set_text("")
    proxy.set_predicate(lambda u: u.status.value == "in repair")
    assert proxy.rowCount() >= 3
    qtmodeltester.check(proxy)


def test_sorting_keeps_rows_whole(qtmodeltester, demo_db):
    ctx = demo_ctx(demo_db)
    model = UnitTableModel()
    model.set_rows(inventory.list_units(ctx))
    proxy = FilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(UnitTableModel.COL_TAG, Qt.SortOrder.DescendingOrder)
    assert proxy.index(0, 0).data() == "HPD-BWC-0475"
    row = proxy.index(0, 0).data(ROW_ROLE)
    assert proxy.index(0, UnitTableModel.COL_SERIAL).data() == row.serial
    proxy.sort(UnitTableModel.COL_STATUS)
    statuses = [proxy.index(r, UnitTableModel.COL_STATUS).data() for r in range(proxy.rowCount())]
    assert statuses == sorted(statuses)
    qtmodeltester.check(proxy)


def test_upsert_and_remove(qtmodeltester, demo_db):
    ctx = demo_ctx(demo_db)
    model = OfficerTableModel()
    rows = officers.list_officers(ctx)
    model.set_rows(rows[:10])
    qtmodeltester.check(model)
    model.upsert([rows[20], rows[0]])
    assert model.rowCount() == 11
    model.remove([rows[20].id])
    assert model.rowCount() == 10
    qtmodeltester.check(model)
    # Rows removed from the middle: every row after them is found at its new place, the
    # rows removed nowhere, and a row changed afterwards is changed where it now is.
    model.remove([rows[2].id, rows[3].id, rows[7].id, "not a row"])
    assert [model.row_at(i).id for i in range(model.rowCount())] == [
        r.id for r in (rows[0], rows[1], rows[4], rows[5], rows[6], rows[8], rows[9])
    ]
    assert all(model.position(model.row_at(i).id) == i for i in range(model.rowCount()))
    assert model.position(rows[3].id) is None and model.position(rows[7].id) is None
    model.upsert([rows[8], rows[3]])
    assert model.position(rows[8].id) == 5 and model.position(rows[3].id) == 7
    assert model.rowCount() == 8
    qtmodeltester.check(model)


def test_officer_model_flags_deactivated_holders(qtmodeltester, demo_db):
    ctx = demo_ctx(demo_db)
    model = OfficerTableModel()
    model.set_rows(officers.list_officers(ctx))
    qtmodeltester.check(model)
    assert model.rowCount() == 450


def test_checkout_model_marks_overdue(qtmodeltester, monkeypatch):
    now = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
    rows = [
        CheckoutRow(
            1,
            1,
            "HPD-1",
            1,
            "Smith, J",
            "0412",
            "Day",
            now - timedelta(hours=13),
            now - timedelta(hours=4, minutes=30),
            "quinn",
            "DESK-1",
        ),
        CheckoutRow(
            2,
            2,
            "HPD-2",
            2,
            "Jones, A",
            "0007",
            "Evening",
            now - timedelta(hours=5),
            now + timedelta(hours=3),
            "quinn",
            "DESK-1",
        ),
    ]
    monkeypatch.setattr(CheckoutTableModel, "clock", staticmethod(lambda: now))
    model = CheckoutTableModel()
    model.set_rows(rows)
    qtmodeltester.check(model)
    assert model.index(0, CheckoutTableModel.COL_OVERDUE).data() == "overdue 4 h 30 min"
    assert model.index(1, CheckoutTableModel.COL_OVERDUE).data() == ""
    assert model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert model.index(1, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    assert model.overdue_count() == 1


def test_event_and_bay_models(qtmodeltester, demo_db):
    ctx = demo_ctx(demo_db)
    unit = inventory.list_units(ctx)[0]
    model = EventTableModel()
    model.set_rows(inventory.unit_history(ctx, unit.id))
    qtmodeltester.check(model)
    assert model.rowCount() > 0
    assert model.index(model.rowCount() - 1, EventTableModel.COL_KIND).data() == "registered"
    _ = counter  # the counter's models are tested with its view
