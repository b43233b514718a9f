"""Buttons and actions gated by role, following whoever is signed in NOW.

The station locks when idle and someone else signs in on the same window (AppState emits
``actor_changed``): a view that decided its buttons once, when it was built, would show the
first person's buttons to the next one. A view registers each gated widget here instead; the
gates are applied again on every change of actor and whenever the view asks (a new
selection). The services refuse anyway: this only mirrors them, so that nobody fills in a
form that will be refused.

Whoever may not: the widget is disabled with a tooltip saying who may, or hidden
(``hide=True``) where a disabled button would only be clutter (an administrator's tools).
Tests find every view's gates with ``view.findChildren(Gates)``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from bwc_desk.domain.roles import Permission

if TYPE_CHECKING:
    from bwc_desk.ui.state import AppState

Gated = QWidget | QAction


def _nothing() -> str:
    return ""


@dataclass
class Gate:
    """A widget, the permission it needs, and what else it needs now ('' when nothing)."""

    widget: Gated
    permission: Permission
    blocked: Callable[[], str] = _nothing
    tip: str = ""  # the tooltip when it may be used
    hide: bool = False  # hidden, not disabled, from whoever lacks the permission


class Gates(QObject):
    """The gated widgets of one view. ``tooltip(gate, why)`` may shape the tooltip (the
    Inventory's name the action and its shortcut)."""

    def __init__(
        self,
        state: AppState,
        parent: QObject,
        tooltip: Callable[[Gate, str], str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.items: list[Gate] = []
        self._tooltip = tooltip
        state.actor_changed.connect(lambda _actor: self.update())

    def add(
        self,
        widget: Gated,
        permission: Permission,
        blocked: Callable[[], str] = _nothing,
        tip: str = "",
        *,
        hide: bool = False,
    ) -> Gate:
        """Gate ``widget``; applied by the next ``update`` (the view calls it once built:
        ``blocked`` may look at widgets made after this one)."""
        gate = Gate(widget, permission, blocked, tip, hide)
        self.items.append(gate)
        return gate

    def __iter__(self) -> Iterator[Gate]:
        return iter(self.items)

    def update(self) -> None:
        for gate in self.items:
            self._apply(gate)

    def _apply(self, gate: Gate) -> None:
        widget = gate.widget
        if not self.state.can(gate.permission):
            if gate.hide:
                widget.setVisible(False)
            widget.setEnabled(False)
            self._set_tip(gate, self.state.why_not(gate.permission))
            return
        if gate.hide:
            widget.setVisible(True)
        why = gate.blocked()
        widget.setEnabled(not why)
        self._set_tip(gate, why)

    def _set_tip(self, gate: Gate, why: str) -> None:
        text = self._tooltip(gate, why) if self._tooltip is not None else why or gate.tip
        gate.widget.setToolTip(text)
        if isinstance(gate.widget, QAction):
            gate.widget.setStatusTip(text)
