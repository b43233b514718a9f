"""An empty agency's first view says what to do first, with buttons that do it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from bwc_desk.domain.roles import Role
from bwc_desk.services import inventory, officers
from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.ui.dialogs.import_dialog import ImportDialog
from bwc_desk.ui.dialogs.officer_dialogs import OfficerDialog
from bwc_desk.ui.dialogs.unit_dialogs import UnitDialog
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.assignments_tab import AssignmentsTab
from bwc_desk.ui.views.first_steps import FirstSteps
from bwc_desk.ui.views.inventory_tab import InventoryTab
from tests.conftest import answer, make_actor

BUTTONS = ("import_cameras", "add_camera", "import_officers", "add_officer")


def open_inventory(qtbot, ctx) -> InventoryTab:
    state = AppState(ctx)
    tab = InventoryTab(state)
    qtbot.addWidget(tab)
    tab.resize(1280, 680)
    tab.show()
    qtbot.waitExposed(tab)
    with qtbot.waitSignal(tab.rows_loaded, timeout=10_000):
        tab.ensure_loaded()
    return tab


def text(button) -> str:
    return button.text().replace("&", "")


def test_an_empty_agency_sees_its_first_steps_with_the_four_buttons(qtbot, admin_ctx):
    tab = open_inventory(qtbot, admin_ctx)
    steps = tab.first_steps
    assert steps.isVisible() and not tab.splitter.isVisible()
    assert [text(getattr(steps, name)) for name in BUTTONS] == [
        "Import cameras from CSV…",
        "Add a camera…",
        "Import officers…",
        "Add an officer…",
    ]
    assert all(getattr(steps, name).isVisible() for name in BUTTONS)
    tab.state.runner.shutdown()


@pytest.mark.parametrize(
    ("button", "kind"), [("import_cameras", "units"), ("import_officers", "officers")]
)
def test_the_import_buttons_open_the_import_dialog_for_their_list(qtbot, admin_ctx, button, kind):
    tab = open_inventory(qtbot, admin_ctx)
    seen: dict[str, str] = {}

    def check(dialog):
        seen["kind"] = dialog.kind.name
        dialog.reject()

    answer(qtbot, check, ImportDialog)
    qtbot.mouseClick(getattr(tab.first_steps, button), Qt.MouseButton.LeftButton)
    assert seen == {"kind": kind}
    tab.state.runner.shutdown()


def test_add_a_camera_registers_it_and_the_table_takes_the_panels_place(qtbot, admin_ctx):
    tab = open_inventory(qtbot, admin_ctx)

    def fill(dialog):
        qtbot.keyClicks(dialog.tag_edit, "HPD-BWC-0001")
        qtbot.keyClicks(dialog.serial_edit, "X60A0001")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    answer(qtbot, fill, UnitDialog)
    with qtbot.waitSignal(tab.rows_loaded, timeout=10_000):
        # The dialog's write says "units changed"; the tab reloads.
        qtbot.mouseClick(tab.first_steps.add_camera, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=10_000)
    assert [u.asset_tag for u in inventory.list_units(admin_ctx)] == ["HPD-BWC-0001"]
    assert not tab.first_steps.isVisible() and tab.splitter.isVisible()
    tab.state.runner.shutdown()


def test_add_an_officer_opens_the_officer_form_and_adds_one(qtbot, admin_ctx):
    tab = open_inventory(qtbot, admin_ctx)
    steps = tab.first_steps

    def fill(dialog):
        qtbot.keyClicks(dialog.badge_edit, "0412")
        qtbot.keyClicks(dialog.last_edit, "Smith")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    answer(qtbot, fill, OfficerDialog)
    qtbot.mouseClick(steps.add_officer, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: [o.badge for o in officers.list_officers(admin_ctx)] == ["0412"])
    # Still no camera: the panel stays, the officers' step is done.
    qtbot.waitUntil(lambda: steps.officers == 1, timeout=10_000)
    assert "1 officer on the roster" in steps.officers_state.text()
    assert not steps.add_officer.isVisible() and steps.add_camera.isVisible()
    tab.state.runner.shutdown()


def test_roles_that_may_not_see_who_may_instead_of_the_buttons(qtbot, admin_ctx):
    sup = make_actor(admin_ctx, Role.SUPERVISOR, "sam")
    tab = open_inventory(qtbot, sup)
    steps = tab.first_steps
    assert steps.isVisible()
    # A supervisor adds cameras and officers, but only an administrator imports.
    assert steps.add_camera.isVisible() and steps.add_officer.isVisible()
    assert not steps.import_cameras.isVisible() and not steps.import_officers.isVisible()
    assert "Admin can import cameras" in steps.cameras_state.text()
    tab.state.runner.shutdown()

    auditor = make_actor(admin_ctx, Role.AUDITOR, "audrey")
    panel = FirstSteps(AppState(auditor))
    qtbot.addWidget(panel)
    panel.show()
    assert not any(getattr(panel, name).isVisible() for name in BUTTONS)
    assert "can add them one by one" in panel.officers_state.text()
    panel.state.runner.shutdown()


def test_the_roster_of_an_empty_agency_shows_the_first_steps(qtbot, admin_ctx):
    inventory.add_unit(admin_ctx, UnitInput("HPD-BWC-0001", "X1", "Axon Body 3"))
    tab = AssignmentsTab(AppState(admin_ctx))
    qtbot.addWidget(tab)
    tab.show()
    tab.ensure_loaded()
    roster = tab.roster
    qtbot.waitUntil(lambda: roster.loaded, timeout=10_000)
    assert roster.first_steps.isVisible() and not roster.table.isVisible()
    qtbot.waitUntil(lambda: roster.first_steps.cameras == 1, timeout=10_000)
    assert "1 camera registered" in roster.first_steps.cameras_state.text()
    assert roster.first_steps.add_officer.isVisible()
    officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John"))
    roster.refresh()
    qtbot.waitUntil(lambda: roster.table.isVisible(), timeout=10_000)
    assert not roster.first_steps.isVisible()
    tab.state.runner.shutdown()


def test_the_rosters_first_steps_count_a_camera_added_meanwhile(qtbot, admin_ctx):
    """A camera added (here, or at another station) names no officer: the roster's rows do
    not move, yet its first steps must say the cameras' step is done."""
    tab = AssignmentsTab(AppState(admin_ctx))
    qtbot.addWidget(tab)
    tab.show()
    tab.ensure_loaded()
    roster = tab.roster
    qtbot.waitUntil(lambda: roster.loaded, timeout=10_000)
    assert roster.first_steps.isVisible() and roster.first_steps.cameras == 0
    unit = inventory.add_unit(admin_ctx, UnitInput("HPD-BWC-0001", "X1", "Axon Body 3"))
    tab.state.announce(ChangeSet.of({"units"}, units={unit.id}, local=False))
    qtbot.waitUntil(lambda: roster.first_steps.cameras == 1, timeout=10_000)
    assert "1 camera registered" in roster.first_steps.cameras_state.text()
    tab.state.runner.shutdown()


def test_officers_come_first_then_cameras(qtbot, admin_ctx):
    """A camera file may name its officer (assigned_badge): the roster goes in first."""
    from PySide6.QtWidgets import QLabel

    from bwc_desk.ui.state import AppState

    steps = FirstSteps(AppState(admin_ctx))
    qtbot.addWidget(steps)
    steps.resize(900, 600)
    steps.show()
    qtbot.waitExposed(steps)
    titles = sorted(
        (label.mapTo(steps, label.rect().topLeft()).y(), label.text())
        for label in steps.findChildren(QLabel)
        if label.text().startswith("<b>") and label.text()[3:4].isdigit()
    )
    assert [t for _y, t in titles] == ["<b>1. Officers</b>", "<b>2. Cameras</b>"]
    assert steps.import_officers.mapTo(steps, steps.import_officers.rect().topLeft()).y() < (
        steps.import_cameras.mapTo(steps, steps.import_cameras.rect().topLeft()).y()
    )
