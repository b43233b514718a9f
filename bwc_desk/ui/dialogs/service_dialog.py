"""The one base of every form that saves through a service.

OK (or Enter) asks ``request()`` for the service call and what it changes, runs it on the
writer thread, and the dialog stays open until the answer comes:
- written: the dialog closes (``written`` carries the service's result, ``result_value`` too);
- refused (a duplicate serial, a missing reason): the service's own words in red, inside the
  dialog, with what was typed; ``refused()`` puts the focus on the field to fix;
- while saving, OK shows "Saving..." and neither Enter, Esc, Cancel nor the window's close
  button does anything: the change cannot be called back, so the answer is awaited.
Locking the station closes the dialog even while it saves (``reject()``); the answer then
goes to the status bar ("... saved." / "Not saved: ..."), never to a late pop-up over the
lock screen or the next person's work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.errors import DomainError
from bwc_desk.services.context import Ctx
from bwc_desk.ui.ops import MutationOp
from bwc_desk.ui.state import AppState

log = logging.getLogger(__name__)
Request = tuple[Callable[[Ctx], Any], str]  # the service call, and what it changes
SAVING = "Saving..."


def heading(text: str) -> QLabel:
    """A rich-text paragraph at the top of a form."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    return label


class ServiceDialog(QDialog):
    written = Signal(object)  # the service's result, once written
    changed = "units"  # the default request()'s topic (what it commits is what is announced)

    def __init__(
        self, state: AppState, title: str, parent: QWidget | None = None, *, ok_text: str = ""
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.title = title
        self.result_value: Any = None
        self._busy = False
        self.setWindowTitle(f"{title} - BWC Desk")
        self.setMinimumWidth(520)
        self.heading = QLabel(self)  # shown when it has a text
        self.heading.setObjectName("heading")
        self.heading.setWordWrap(True)
        # Subclasses add their fields to ``body`` (or as rows of ``form``, which is in it).
        self.body = QVBoxLayout()
        self.form = QFormLayout()
        self.body.addLayout(self.form)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b91c1c; font-weight: bold;")
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        assert ok is not None and cancel is not None
        self.ok_button: QPushButton = ok
        self.cancel_button: QPushButton = cancel
        if ok_text:
            self.ok_button.setText(ok_text)
        self._ok_text = self.ok_button.text()
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(self.body)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self._scroll: QScrollArea | None = None

    def scroll_body(self) -> None:
        """For a long form: its fields scroll, and the heading, the error line and Save /
        Cancel stay on the screen (the agency's settings were 890 pixels tall: on a 1366x800
        screen Save was below its edge). Called by a subclass once its fields are in."""
        outer = self.layout()
        assert isinstance(outer, QVBoxLayout)
        holder = QWidget()
        holder.setObjectName("form_holder")
        outer.removeItem(self.body)
        holder.setLayout(self.body)
        self.body.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(self)
        scroll.setObjectName("form_scroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(holder)
        outer.insertWidget(1, scroll, 1)
        self._scroll = scroll

    def _fit_to_screen(self) -> None:
        """The scrolling form as tall as its fields, within the screen's room."""
        scroll = self._scroll
        holder = scroll.widget() if scroll is not None else None
        if scroll is None or holder is None:
            return
        screen = self.screen()
        room = screen.availableGeometry().height() if screen is not None else 700
        rest = self.sizeHint().height() - scroll.sizeHint().height()
        wanted = holder.sizeHint().height()
        scroll.setMinimumHeight(max(120, min(wanted, room - rest - 60)))
        bar = scroll.verticalScrollBar()
        extra = bar.sizeHint().width() if wanted > room - rest - 60 else 0
        scroll.setMinimumWidth(holder.sizeHint().width() + extra)
        self.adjustSize()

    # --- what subclasses give ------------------------------------------------------------
    def request(self) -> Request | None:
        """The service call for what was entered, and what it changes; None when the form
        said what is missing itself. May raise DomainError (a bad date): shown in red."""
        return self.call(), self.changed

    def call(self) -> Callable[[Ctx], Any]:
        """The service call, for forms whose ``changed`` is fixed."""
        raise NotImplementedError

    def refused(self, exc: BaseException) -> None:
        """After a refusal shown in the dialog: where the focus goes (the field to fix)."""

    # --- the sequence --------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._busy

    def submit(self) -> None:
        if self._busy:
            return  # Enter again while saving: one write only
        try:
            request = self.request()
        except DomainError as exc:
            self.show_error(str(exc))
            return
        if request is None:
            return
        fn, changed = request
        self._set_busy(True)
        self.run_request(fn, changed)

    def run_request(self, fn: Callable[[Ctx], Any], changed: str) -> None:
        """A write on the writer thread (an export overrides this: see EvidenceDialog). Bound
        to the dialog, which the lock only hides: the answer still reaches it."""
        self.state.run(
            MutationOp(fn, self._succeeded, parent=self, on_error=self._refused, changed=changed)
        )

    def accept(self) -> None:
        # Enter on the default button, or a subclass: always through the service.
        self.submit()

    def refuse_secret(self, text: str, *fields: QLineEdit) -> None:
        """Said under the fields; the hidden fields named are emptied and the first takes the
        focus (a password or PIN is typed again, never corrected character by character)."""
        self.show_error(text)
        for field in fields:
            field.clear()
        if fields:
            fields[0].setFocus()

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))
        if text:
            # A wrapped label's height depends on its width: grow the dialog to fit it.
            self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.ok_button.setEnabled(not busy)
        # Once sent, the change cannot be called back: Cancel would only hide whether it was
        # saved. The dialog stays until the answer comes (it closes itself when written).
        self.cancel_button.setEnabled(not busy)
        if busy:
            self._ok_text = self.ok_button.text()
            self.ok_button.setText(SAVING)
            self.show_error("")  # the last refusal no longer applies
        elif self.ok_button.text() == SAVING:
            self.ok_button.setText(self._ok_text)

    def _succeeded(self, result: Any) -> None:
        self._set_busy(False)
        self.result_value = result
        if not self.isVisible():  # closed by the lock screen while saving
            self.state.message.emit(f"{self.title}: saved.", 10_000)
        self.written.emit(result)
        if self.isVisible():
            super().accept()

    def _refused(self, exc: BaseException) -> None:
        self._set_busy(False)
        if not isinstance(exc, DomainError):
            log.error("%s failed", self.title, exc_info=exc)
        if not self.isVisible():  # closed by the lock screen: no pop-up, a line
            self.state.message.emit(f"{self.title}: not saved: {exc}", 15_000)
        elif isinstance(exc, DomainError):
            self.show_error(str(exc))
            focused = self.focusWidget()
            self.refused(exc)
            if self.focusWidget() is focused:  # (the form did not say where to go)
                self._focus_field_named(str(exc))
        else:
            self.show_error(
                f"Something went wrong: {exc}. Nothing was changed. Try again; if it keeps "
                "happening, tell your administrator (the details are in the log)."
            )

    # --- nothing closes it while it saves, but the lock ----------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._busy and event.key() == Qt.Key.Key_Escape:
            return  # Esc while saving: wait for the answer
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._busy:
            event.ignore()  # the window's close button while saving: wait for the answer
            return
        super().closeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        self.heading.setVisible(bool(self.heading.text()))
        self._fit_to_screen()
        super().showEvent(event)
        self._focus_first_field()

    def _focus_field_named(self, text: str) -> None:
        """A refusal that starts with a field's label ("serial is required"): that field
        takes the focus, where the person fixes it."""
        said = text.strip().lower()
        for row in range(self.form.rowCount()):
            label = self.form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            field = self.form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            widget = field.widget() if field is not None else None
            title = label.widget() if label is not None else None
            if not isinstance(title, QLabel) or widget is None or not widget.isEnabled():
                continue
            name = title.text().replace("&", "").strip().rstrip(":").lower()
            if name and said.startswith(name):
                widget.setFocus(Qt.FocusReason.OtherFocusReason)
                return

    def _focus_first_field(self) -> None:
        """The buttons are made before the subclass's fields, so Qt would give the focus to
        Save: what a person (or a scanner) types at once went nowhere and a space pressed
        Save. The first field takes it, unless the form chose one itself."""
        chosen = self.focusWidget()
        if chosen is not None and not self.buttons.isAncestorOf(chosen):
            return
        for widget in self.findChildren(QWidget):
            if (
                widget.focusPolicy() & Qt.FocusPolicy.TabFocus
                and not self.buttons.isAncestorOf(widget)
                and widget.isEnabled()
                and widget.isVisibleTo(self)
                and widget.focusProxy() is None
            ):
                widget.setFocus(Qt.FocusReason.TabFocusReason)
                return
