"""Labels for the status bar: a text that does not fit is cut with "…" and said in full in
the tooltip, instead of being clipped or pushing the window wider than the screen."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QStyle, QStyleOption, QWidget


class ElidedLabel(QLabel):
    """A one-line label that elides. ``text()`` stays the whole text; the tooltip is the
    caller's (``setToolTip``) or, when the text is cut, the whole text."""

    def __init__(
        self,
        parent: QWidget | None = None,
        mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight,
        min_chars: int = 10,
    ) -> None:
        super().__init__(parent)
        self._mode = mode
        self._min_chars = min_chars
        self._tip = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def setText(self, text: str) -> None:
        super().setText(text)
        self._update_tip()
        self.update()

    def setToolTip(self, tip: str) -> None:
        self._tip = tip
        self._update_tip()

    def shown_text(self) -> str:
        """What is on screen (the text, or the text cut with an ellipsis)."""
        width = self.contentsRect().width() - 2 * self.margin() - 2 * max(0, self.indent())
        return self.fontMetrics().elidedText(self.text(), self._mode, max(0, width))

    def is_elided(self) -> bool:
        return bool(self.text()) and self.shown_text() != self.text()

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        least = self.fontMetrics().horizontalAdvance("x" * self._min_chars + "\u2026")
        return QSize(min(hint.width(), least), hint.height())

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._update_tip()

    def paintEvent(self, event: Any) -> None:
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        # The style sheet's background and border (the red "database unreachable" line).
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_Widget, option, painter, self)
        self.style().drawItemText(
            painter,
            self.contentsRect(),
            int(self.alignment()) | int(Qt.AlignmentFlag.AlignVCenter),
            self.palette(),
            self.isEnabled(),
            self.shown_text(),
            self.foregroundRole(),
        )

    def _update_tip(self) -> None:
        super().setToolTip(self._tip or (self.text() if self.is_elided() else ""))


class StatusLine(ElidedLabel):
    """The status bar's message: what ``AppState.message`` says, for so many milliseconds
    (0: until the next one)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, min_chars=4)
        self.setObjectName("status_message")
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._clear = QTimer(self)
        self._clear.setSingleShot(True)
        self._clear.timeout.connect(self.clear_message)

    def show_message(self, text: str, ms: int = 0) -> None:
        self.setText(text)
        self._clear.stop()
        if ms > 0:
            self._clear.start(ms)

    def clear_message(self) -> None:
        self._clear.stop()
        self.setText("")
