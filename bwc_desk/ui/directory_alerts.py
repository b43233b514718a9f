"""The status bar's word to supervisors: officers the directory sync deactivated who still
hold a camera. Shown (like the dock alerts) to those who may reassign cameras, kept current
as officers and custody change, hidden while locked; a click opens Assignments."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPushButton, QWidget

from bwc_desk.domain.roles import Permission, has_permission
from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.context import Ctx
from bwc_desk.ui.ops import Lane, QueryOp
from bwc_desk.ui.state import AppState

TOPICS = frozenset({"officers", "custody"})



def _holders(ctx: Ctx) -> list[tuple[int, str, tuple[str, ...]]]:
    """(On the worker: the directory's modules, ldap3 with them, are imported when a
    directory is first looked at, not while the window starts.)"""
    from bwc_desk.services.directory_admin import holders

    return holders(ctx)

class HolderAlerts(QPushButton):
    holders_changed = Signal(object)  # the list: (officer id, label, camera tags)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setObjectName("directory_holders_button")
        self.setFlat(True)
        self.setStyleSheet("color: #b91c1c; font-weight: bold;")
        self.holders: list[tuple[int, str, tuple[str, ...]]] = []
        self.hide()
        state.changed.connect(self._changed)
        state.actor_changed.connect(lambda _actor: self.refresh())
        state.locked_changed.connect(
            lambda locked: self.setVisible(bool(self.holders) and not locked)
        )

    def _may_see(self) -> bool:
        actor = self.state.actor
        return actor is not None and has_permission(actor.role, Permission.REASSIGN)

    def _changed(self, change: ChangeSet) -> None:
        if TOPICS & set(change.topics):
            self.refresh()

    def refresh(self) -> None:
        if not self._may_see():
            self._show([])
            return
        self.state.run(
            QueryOp(_holders, self._show, parent=self, key=(self, "holders"), lane=Lane.BULK,
                    on_error=lambda _exc: None)
        )

    def _show(self, found: Any) -> None:
        self.holders = list(found) if self._may_see() else []
        count = len(self.holders)
        self.setVisible(bool(count) and not self.state.locked)
        self.setText(
            f"\u26a0 {count} inactive officer{'s' if count != 1 else ''} still "
            f"hold{'s' if count == 1 else ''} a camera"
        )
        self.setToolTip(
            "Deactivated by the directory sync, cameras not returned:\n"
            + "\n".join(f"{label}: {', '.join(tags)}" for _id, label, tags in self.holders[:15])
        )
        self.holders_changed.emit(self.holders)
