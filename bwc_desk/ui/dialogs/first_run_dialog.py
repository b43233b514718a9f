"""First start on a database with no staff account: name the agency, the station and the
first administrator, then start empty or open the demo agency."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.passwords import MIN_PASSWORD_LENGTH
from bwc_desk.services.context import Actor

# setup(agency, station, user, display name, password, on_done, on_error), off the main thread
Setup = Callable[
    [str, str, str, str, str, Callable[[Actor], None], Callable[[BaseException], None]], None
]


class FirstRunDialog(QDialog):
    START_EMPTY = 1
    LOAD_DEMO = 2

    def __init__(
        self,
        setup: Setup,
        default_station: str,
        database: str,
        parent: QWidget | None = None,
        *,
        station_set_in: str = "",
    ) -> None:
        """``default_station``: this PC's configured station name, else its default.
        ``station_set_in``: IT's machine file when it sets the name for this PC (the user's
        station.json may not): the name is then shown read-only, with a note, since a name
        typed here would not be kept."""
        super().__init__(parent)
        self._setup = setup
        self.actor: Actor | None = None
        self.station = default_station
        self.choice = 0
        self.setWindowTitle("Set up BWC Desk")
        intro = QLabel(
            "<b>Welcome to BWC Desk.</b><br>This database has no staff accounts yet. Name "
            "your agency and this station, and create the first administrator.<br>"
            f"<small>Database: {database}</small>"
        )
        intro.setWordWrap(True)
        self.agency_edit = QLineEdit(self)
        self.agency_edit.setObjectName("agency")
        self.agency_edit.setPlaceholderText("e.g. Hartford Police Department")
        self.station_edit = QLineEdit(default_station, self)
        self.station_edit.setObjectName("station")
        self.station_note = QLabel(self)
        self.station_note.setObjectName("station_note")
        self.station_note.setWordWrap(True)
        if station_set_in:
            self.station_edit.setReadOnly(True)
            self.station_edit.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.station_note.setText(
                f"<small>Set for this PC by your IT department in {escape(station_set_in)}; "
                "ask IT to change it.</small>"
            )
        else:
            self.station_note.hide()
        self.user_edit = QLineEdit(self)
        self.user_edit.setObjectName("username")
        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("display_name")
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(f"at least {MIN_PASSWORD_LENGTH} characters")
        self.confirm_edit = QLineEdit(self)
        self.confirm_edit.setObjectName("confirm")
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b91c1c; font-weight: bold;")
        form = QFormLayout()
        form.addRow("&Agency name", self.agency_edit)
        form.addRow("&Station name", self.station_edit)
        form.addRow("", self.station_note)
        form.addRow("Administrator &user name", self.user_edit)
        form.addRow("Administrator's full &name", self.name_edit)
        form.addRow("&Password", self.password_edit)
        form.addRow("&Confirm password", self.confirm_edit)
        buttons = QDialogButtonBox(self)
        self.start_button = buttons.addButton("Start empty", QDialogButtonBox.ButtonRole.AcceptRole)
        self.start_button.setDefault(True)
        self.demo_button = buttons.addButton(
            "Load the demo agency", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.demo_button.setToolTip(
            "Opens a separate demo database with 475 cameras; your "
            "own database stays untouched and empty."
        )
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.start_button.clicked.connect(self._start_empty)
        self.demo_button.clicked.connect(self._load_demo)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.agency_edit.setFocus()

    def _start_empty(self) -> None:
        if self.password_edit.text() != self.confirm_edit.text():
            self.error_label.setText("The two passwords differ; type them again.")
            self.password_edit.clear()
            self.confirm_edit.clear()
            self.password_edit.setFocus()
            return
        self.start_button.setEnabled(False)
        self.error_label.setText("Setting up...")
        self._setup(
            self.agency_edit.text(),
            self.station_edit.text(),
            self.user_edit.text(),
            self.name_edit.text(),
            self.password_edit.text(),
            self._done,
            self._failed,
        )

    def _done(self, actor: Actor) -> None:
        self.actor = actor
        self.station = self.station_edit.text().strip()
        self.choice = self.START_EMPTY
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.start_button.setEnabled(True)
        self.error_label.setText(str(exc) if isinstance(exc, DomainError) else f"{exc}")

    def _load_demo(self) -> None:
        self.choice = self.LOAD_DEMO
        self.accept()
