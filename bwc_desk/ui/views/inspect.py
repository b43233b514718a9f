"""The Docks view's "Inspect dock..." sequence: pick the dock (when there are several), read
its checklist and bays on a worker, then the InspectDialog (kept out of docks_tab.py)."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QWidget

from bwc_desk.services import inspections
from bwc_desk.services.inspections import InspectionForm
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.repair_dialogs import InspectDialog


def inspect_dock(parent: QWidget, state: AppState, names: list[str], name: str = "") -> None:
    if not names:
        state.message.emit("No dock is registered, so there is nothing to inspect.", 5000)
        return
    if not name:
        if len(names) == 1:
            name = names[0]
        else:
            name, ok = QInputDialog.getItem(parent, "Inspect a dock", "Dock", names, 0, False)
            if not ok:
                return

    def show(form: InspectionForm) -> None:
        dialog = InspectDialog(state, form, parent)
        if dialog.exec():
            state.message.emit(dialog.done_text(), 10_000)

    state.read(lambda ctx: inspections.inspection_form(ctx, name), show, parent=parent)
