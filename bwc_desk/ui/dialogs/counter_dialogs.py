"""The small dialogs of an issue at the counter. Each has a default button that Enter takes,
so the quartermaster can keep both hands on the scanner and the camera; the function test's
only once its checks are ticked. (A scanner's Enter is never an answer: the counter watches
its dialogs for scans, see ui/views/counter_dialog_scans.py.)"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.docking import GateResult
from bwc_desk.services.counter import FunctionTest, Override, SwapReason
from bwc_desk.ui.dialogs.function_checks import FunctionChecks
from bwc_desk.ui.scan_keys import could_be_pin


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("font-size: 15px;")
    return label


class SwapReasonDialog(QDialog):
    """A camera other than the officer's primary: why? The reason the app knows (primary in
    repair; refused for its battery) is chosen already; where it does not know, nothing is,
    and Enter alone records nothing. Plain digits 1-4 choose."""

    def __init__(
        self,
        unit: str,
        officer: str,
        primary: str,
        parent: QWidget | None = None,
        *,
        hint: SwapReason | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Spare swap")
        self.group = QButtonGroup(self)
        layout = QVBoxLayout(self)
        known = f" The app knows: <b>{hint.value}</b>." if hint is not None else ""
        layout.addWidget(
            _heading(
                f"<b>{unit}</b> is a spare: <b>{officer}</b>'s primary "
                f"camera is {primary or 'another unit'}. Why the swap?{known}"
            )
        )
        self.buttons: dict[SwapReason, QRadioButton] = {}
        for i, reason in enumerate(SwapReason):
            button = QRadioButton(f"&{i + 1}  {reason.value.capitalize()}", self)
            self.group.addButton(button)
            self.buttons[reason] = button
            layout.addWidget(button)
        if hint is not None:
            self.buttons[hint].setChecked(True)
        self.other_edit = QLineEdit(self)
        self.other_edit.setPlaceholderText("details (required for 'other')")
        layout.addWidget(self.other_edit)
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #b91c1c;")
        layout.addWidget(self.error)
        box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        box.accepted.connect(self._accept)
        box.rejected.connect(self.reject)
        layout.addWidget(box)
        (
            self.buttons[hint] if hint is not None else self.buttons[SwapReason.PRIMARY_IN_REPAIR]
        ).setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        digits = {Qt.Key.Key_1: 0, Qt.Key.Key_2: 1, Qt.Key.Key_3: 2, Qt.Key.Key_4: 3}
        index = digits.get(Qt.Key(event.key()))
        if index is not None and not self.other_edit.hasFocus():
            reason = list(SwapReason)[index]
            self.buttons[reason].setChecked(True)
            self.error.clear()
            if reason is SwapReason.OTHER:
                self.other_edit.setFocus()
            return
        super().keyPressEvent(event)

    def reason(self) -> str:
        for reason, button in self.buttons.items():
            if button.isChecked():
                detail = self.other_edit.text().strip()
                return f"{reason.value}: {detail}" if detail else reason.value
        return ""

    def _accept(self) -> None:
        if not any(b.isChecked() for b in self.buttons.values()):
            self.error.setText("Choose the reason first: press 1, 2, 3 or 4.")
            return
        if self.buttons[SwapReason.OTHER].isChecked() and not self.other_edit.text().strip():
            self.error.setText("Say what the other reason is.")
            self.other_edit.setFocus()
            return
        self.accept()


class GateDialog(QDialog):
    """The readiness check failed (or the camera is another pool's): pick another camera
    (Enter), or a supervisor overrides with their own credentials and a reason. Every reason
    stays in view while the supervisor types."""

    def __init__(
        self,
        unit: str,
        officer: str,
        gate: GateResult,
        parent: QWidget | None = None,
        *,
        title: str = "Not ready",
        what: str = "is not ready",
        error: str = "",
        previous: Override | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.override: Override | None = None
        self.reasons = gate.reasons
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        reasons = "".join(f"<li>{r}</li>" for r in gate.reasons)
        self.reasons_label = _heading(
            f"<b style='color:#b91c1c'>{unit} {what}</b> for {officer}:<ul>{reasons}</ul>"
        )
        self.reasons_label.setMinimumWidth(460)
        layout.addWidget(self.reasons_label)
        self.form_box = QWidget(self)
        form = QFormLayout(self.form_box)
        self.user_edit = QLineEdit(self)
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setPlaceholderText("why this camera must go out now")
        form.addRow("Supervisor user name", self.user_edit)
        form.addRow("Supervisor password", self.password_edit)
        form.addRow("Reason", self.reason_edit)
        self.form_box.setVisible(False)
        layout.addWidget(self.form_box)
        self.error = QLabel(error, self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b91c1c; font-weight: bold;")
        layout.addWidget(self.error)
        box = QDialogButtonBox(self)
        self.pick_button = box.addButton(
            "Pick another camera", QDialogButtonBox.ButtonRole.RejectRole
        )
        self.pick_button.setDefault(True)
        self.override_button = box.addButton(
            "Supervisor &override...", QDialogButtonBox.ButtonRole.ActionRole
        )
        # Only the default button answers Enter; the override needs a deliberate click or
        # its Alt key.
        self.override_button.setAutoDefault(False)
        self.pick_button.clicked.connect(self.reject)
        self.override_button.clicked.connect(self._override)
        layout.addWidget(box)
        if previous is not None:  # the supervisor tries again: the form is open, filled in
            self._open_form()
            self.user_edit.setText(previous.username)
            self.reason_edit.setText(previous.reason)
            self.password_edit.setFocus()

    def _open_form(self) -> None:
        self.form_box.setVisible(True)
        self.override_button.setText("Override and &issue")
        self.pick_button.setDefault(False)
        self.override_button.setDefault(True)
        self.user_edit.setFocus()
        self.adjustSize()

    def _override(self) -> None:
        if not self.form_box.isVisible():
            self._open_form()
            return
        if not (
            self.user_edit.text().strip()
            and self.password_edit.text()
            and self.reason_edit.text().strip()
        ):
            self.error.setText("A supervisor's user name, password and a reason are needed.")
            return
        self.override = Override(
            self.user_edit.text(),
            self.password_edit.text(),
            self.reason_edit.text(),
            tuple(self.reasons),
        )
        self.accept()


class FunctionTestDialog(QDialog):
    """The pre-shift function test: the officer powers the camera on, records, reads the
    battery indicator, checks mount and lens (the checks, ticked as they are done, are
    FunctionChecks: only with all four ticked does Enter mean "All checks passed";
    "Record failure" is never Enter's)."""

    CHECKS = FunctionChecks.CHECKS

    def __init__(self, unit: str, officer: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Pre-shift function test")
        self.test: FunctionTest | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(_heading(f"Function test of <b>{unit}</b> with <b>{officer}</b>:"))
        self.checks = FunctionChecks(
            "Tick each check as the officer does it (Space, or Alt+1 to Alt+4).", self
        )
        self.boxes, self.note_edit = self.checks.boxes, self.checks.note_edit
        layout.addWidget(self.checks)
        buttons = QDialogButtonBox(self)
        self.pass_button = buttons.addButton(
            "All checks &passed", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.fail_button = buttons.addButton(
            "Record &failure", QDialogButtonBox.ButtonRole.ActionRole
        )
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.checks.guard(self.pass_button, self.fail_button, cancel)
        self.pass_button.clicked.connect(self._passed)
        self.fail_button.clicked.connect(self._failed)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.boxes["powers_on"].setFocus()

    def _passed(self) -> None:
        if not self.checks.all_ticked():
            return  # (the button is disabled then; never a test presumed)
        self.test = self.checks.test()
        self.accept()

    def _failed(self) -> None:
        test = self.checks.test()
        if test.passed:
            self.checks.no_failure_ticked()
            return
        self.test = test
        self.accept()


class PinDialog(QDialog):
    """The officer types the handover PIN. Some type it as fast as a scanner: a burst in the
    PIN field that could be a PIN (digits, short) is the PIN; any other is a scan, refused
    (counter_dialog_scans.py)."""

    def __init__(self, officer: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Handover acknowledgement")
        layout = QVBoxLayout(self)
        layout.addWidget(
            _heading(f"<b>{officer}</b>: type your PIN to confirm you received the camera.")
        )
        self.pin_edit = QLineEdit(self)
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        layout.addWidget(self.pin_edit)
        box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout.addWidget(box)
        self.pin_edit.setFocus()

    def typed_by_hand(self, field: object) -> bool:
        return field is self.pin_edit and could_be_pin(self.pin_edit.text())


class SignaturePad(QWidget):
    """A small canvas: the officer signs with the mouse or a stylus. The strokes are kept as
    SVG path data, stored with the custody event."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(420, 140)
        self.setStyleSheet("background: white;")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.strokes: list[list[QPointF]] = []

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.strokes.append([event.position()])
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.strokes and event.buttons() & Qt.MouseButton.LeftButton:
            self.strokes[-1].append(event.position())
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), Qt.GlobalColor.white)
        painter.setPen(QPen(Qt.GlobalColor.black, 2))
        path = QPainterPath()
        for stroke in self.strokes:
            path.moveTo(stroke[0])
            for point in stroke[1:]:
                path.lineTo(point)
        painter.drawPath(path)
        painter.setPen(Qt.GlobalColor.gray)
        painter.drawLine(10, self.height() - 25, self.width() - 10, self.height() - 25)

    def svg_path(self) -> str:
        parts = []
        for stroke in self.strokes:
            parts.append(f"M {stroke[0].x():.0f} {stroke[0].y():.0f}")
            parts.extend(f"L {p.x():.0f} {p.y():.0f}" for p in stroke[1:])
        return " ".join(parts)

    def clear(self) -> None:
        self.strokes.clear()
        self.update()


class SignatureDialog(QDialog):
    def __init__(self, officer: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Handover acknowledgement")
        layout = QVBoxLayout(self)
        layout.addWidget(_heading(f"<b>{officer}</b>: sign to confirm you received the camera."))
        self.pad = SignaturePad(self)
        layout.addWidget(self.pad)
        clear = QPushButton("Clear")
        clear.clicked.connect(self.pad.clear)
        box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        box.addButton(clear, QDialogButtonBox.ButtonRole.ResetRole)
        box.accepted.connect(self._accept)
        box.rejected.connect(self.reject)
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #b91c1c;")
        layout.addWidget(self.error)
        layout.addWidget(box)

    def _accept(self) -> None:
        if not self.pad.strokes:
            self.error.setText("Sign in the box first.")
            return
        self.accept()
