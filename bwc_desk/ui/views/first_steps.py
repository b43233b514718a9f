"""What an empty agency sees first: no cameras, no officers yet, and the buttons that bring
them in (import a CSV file, or add them one by one).

Shown by the Inventory in place of its empty table, and by the Assignments roster in place
of its empty list. Each button opens the dialog the toolbar opens, and is shown only to a
role that may use it; another role reads who may instead.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.roles import Permission, who_may
from bwc_desk.domain.values import plural
from bwc_desk.services import officers
from bwc_desk.services.officers import RosterChoices
from bwc_desk.ui.state import AppState

IMPORT_CAMERAS = "&Import cameras from CSV…"
ADD_CAMERA = "&Add a camera…"
IMPORT_OFFICERS = "Import &officers…"
ADD_OFFICER = "Add an o&fficer…"


class FirstSteps(QWidget):
    """The empty agency's first view. ``set_counts`` says what is there already: a step
    done shows its count instead of its buttons."""

    done = Signal(str)  # what a dialog did, for the status bar

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setObjectName("first_steps")
        self.cameras = 0
        self.officers = 0

        card = QFrame(self)
        card.setObjectName("first_steps_card")
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setMaximumWidth(760)
        self.title = QLabel("<h2>Welcome to BWC Desk</h2>", card)
        self.intro = QLabel(card)
        self.intro.setWordWrap(True)
        self.intro.setText(
            "This agency has no officers and no cameras yet. Bring them in first: import the "
            "lists you already have (a CSV export of the roster, and of your asset list or "
            "your vendor's console; the Import dialog lets you match their columns), or add "
            "them one by one. The roster first: a camera list may name each camera's officer."
        )

        self.import_cameras = QPushButton(IMPORT_CAMERAS, card)
        self.import_cameras.setObjectName("first_import_cameras")
        self.add_camera = QPushButton(ADD_CAMERA, card)
        self.add_camera.setObjectName("first_add_camera")
        self.import_officers = QPushButton(IMPORT_OFFICERS, card)
        self.import_officers.setObjectName("first_import_officers")
        self.add_officer = QPushButton(ADD_OFFICER, card)
        self.add_officer.setObjectName("first_add_officer")
        self.cameras_state = QLabel(card)
        self.cameras_state.setObjectName("first_cameras_state")
        self.officers_state = QLabel(card)
        self.officers_state.setObjectName("first_officers_state")
        for label in (self.cameras_state, self.officers_state):
            label.setWordWrap(True)

        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(10)
        # Officers first: a camera file that names its officer (assigned_badge) needs the
        # roster in already (a tester following "1. Cameras" got an error for every row).
        grid.addWidget(QLabel("<b>1. Officers</b>", card), 0, 0)
        grid.addWidget(self.import_officers, 0, 1)
        grid.addWidget(self.add_officer, 0, 2)
        grid.addWidget(self.officers_state, 1, 1, 1, 2)
        grid.addWidget(QLabel("<b>2. Cameras</b>", card), 2, 0)
        grid.addWidget(self.import_cameras, 2, 1)
        grid.addWidget(self.add_camera, 2, 2)
        grid.addWidget(self.cameras_state, 3, 1, 1, 2)
        grid.setColumnStretch(3, 1)
        self.setTabOrder(self.import_officers, self.add_officer)  # (Tab goes as it reads)
        self.setTabOrder(self.add_officer, self.import_cameras)
        self.setTabOrder(self.import_cameras, self.add_camera)
        self.after = QLabel(
            "Then: assign cameras to officers or put them in pools (Assignments), and issue "
            "them at the Counter.",
            card,
        )
        self.after.setWordWrap(True)
        self.after.setStyleSheet("color: #4b5563;")

        inner = QVBoxLayout(card)
        inner.setContentsMargins(24, 18, 24, 18)
        inner.addWidget(self.title)
        inner.addWidget(self.intro)
        inner.addSpacing(6)
        inner.addLayout(grid)
        inner.addSpacing(6)
        inner.addWidget(self.after)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 4)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

        self.import_cameras.clicked.connect(lambda: self.open_import("units"))
        self.import_officers.clicked.connect(lambda: self.open_import("officers"))
        self.add_camera.clicked.connect(self.open_add_camera)
        self.add_officer.clicked.connect(self.open_add_officer)
        state.actor_changed.connect(lambda _a: self._update())
        self._update()

    # --- what is shown ----------------------------------------------------------------------
    def set_counts(self, cameras: int, officers_: int) -> None:
        self.cameras, self.officers = cameras, officers_
        self._update()

    def _update(self) -> None:
        self._step(
            self.cameras,
            "camera",
            "registered",
            (self.import_cameras, Permission.IMPORT, "import cameras"),
            (self.add_camera, Permission.MANAGE_UNITS, "add them one by one"),
            self.cameras_state,
        )
        self._step(
            self.officers,
            "officer",
            "on the roster",
            (self.import_officers, Permission.IMPORT, "import officers"),
            (self.add_officer, Permission.MANAGE_OFFICERS, "add them one by one"),
            self.officers_state,
        )
        if self.cameras and not self.officers:
            self.intro.setText("The cameras are in; the roster is still empty.")
        elif self.officers and not self.cameras:
            self.intro.setText("The roster is in; no camera is registered yet.")

    def _step(
        self,
        count: int,
        noun: str,
        where: str,
        first: tuple[QPushButton, Permission, str],
        second: tuple[QPushButton, Permission, str],
        state_label: QLabel,
    ) -> None:
        notes = []
        for button, permission, what in (first, second):
            may = self.state.can(permission)
            button.setVisible(not count and may)
            if not may:
                notes.append(f"{who_may(permission).lower()} can {what}")
        if count:
            state_label.setText(f"✓ {plural(count, noun)} {where}.")
            state_label.setStyleSheet("color: #15803d;")
        elif notes:
            text = "; ".join(notes)
            state_label.setText(f"None yet. {text[0].upper()}{text[1:]}.")
            state_label.setStyleSheet("color: #4b5563;")
        else:
            state_label.setText("None yet.")
            state_label.setStyleSheet("color: #4b5563;")
        state_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    # --- the dialogs ----------------------------------------------------------------------
    def open_import(self, kind: str) -> None:
        from bwc_desk.ui.dialogs.import_dialog import ImportDialog

        # The dialog itself tells the status bar what each import did (the kind may be
        # changed in it: a text made here named the list it was opened for).
        dialog = ImportDialog(self.state, kind, self)
        dialog.exec()
        if not getattr(dialog, "_busy", False):
            dialog.deleteLater()

    def open_add_camera(self) -> None:
        from bwc_desk.ui.dialogs.unit_dialogs import UnitDialog

        dialog = UnitDialog(self.state, None, (), self)
        if dialog.exec():
            self.done.emit(f"{dialog.result_value.asset_tag} registered; it is available.")
        dialog.deleteLater()

    def open_add_officer(self) -> None:
        # The form offers the agency's shifts: read them first (on a worker), then open it.
        self.state.read(officers.roster_choices, self._officer_dialog)

    def _officer_dialog(self, choices: RosterChoices) -> None:
        from bwc_desk.ui.dialogs.officer_dialogs import OfficerDialog

        dialog = OfficerDialog(self.state, choices, None, self)
        if dialog.exec():
            self.done.emit(f"Added {dialog.result_value.label}.")
        dialog.deleteLater()
