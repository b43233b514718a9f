"""Move cameras: record where the selected cameras are kept now (a cage shelf, a dock room).

Saved through ``services.unit_location.move_units``: every camera that moves gets its own
"location changed" custody record (from, to, who, station, UTC), all in one transaction; a
camera already there gets none. A place of the wrong shape (blank, too long, pasted control
characters) is refused inside the dialog in the service's words, and nothing is written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from bwc_desk.domain.values import plural
from bwc_desk.services import unit_location
from bwc_desk.services.context import Ctx
from bwc_desk.services.dto import UnitRow
from bwc_desk.ui.dialogs.service_dialog import ServiceDialog
from bwc_desk.ui.dialogs.unit_dialogs import describe_units
from bwc_desk.ui.ops import Lane, QueryOp
from bwc_desk.ui.state import AppState

NOWHERE = "no recorded place"


def where_now(units: Sequence[UnitRow], listed: int = 3) -> str:
    """'Cage A' or 'Cage A (3), no recorded place (2)': where the selection is kept now."""
    counts = Counter(u.location or NOWHERE for u in units)
    if len(counts) == 1:
        return next(iter(counts))
    places = [f"{place} ({n})" for place, n in counts.most_common(listed)]
    more = len(counts) - listed
    return ", ".join(places) + (f" and {more} more places" if more > 0 else "")


class MoveDialog(ServiceDialog):
    """Where the selected cameras are kept now; the known places are offered as typed
    elsewhere (one spelling each), and a new place may be typed."""

    def __init__(
        self, state: AppState, units: Sequence[UnitRow], parent: QWidget | None = None
    ) -> None:
        self.units = list(units)
        n = len(self.units)
        super().__init__(state, "Move cameras" if n > 1 else "Move a camera", parent)
        if n == 1:
            which = f"{describe_units(self.units)} is"
        else:
            tags = ", ".join(u.asset_tag for u in self.units[:4])
            which = f"the {n:,} selected cameras ({tags}{' and more' if n > 4 else ''}) are"
        self.heading.setText(
            f"Record where {which} kept now. Each camera that moves gets a \u201clocation "
            "changed\u201d record in its custody history"
            + (", all in one transaction." if n > 1 else ".")
        )
        self.now_label = QLabel(where_now(self.units), self)
        self.now_label.setObjectName("location_now")
        self.now_label.setWordWrap(True)
        self.location_box = QComboBox(self)
        self.location_box.setObjectName("location")
        self.location_box.setEditable(True)
        self.location_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.location_box.setMinimumContentsLength(28)
        edit = self.location_box.lineEdit()
        assert edit is not None
        self.location_edit: QLineEdit = edit
        self.location_edit.setPlaceholderText('where they are kept, e.g. "Cage B, shelf 3"')
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setObjectName("reason")
        self.reason_edit.setPlaceholderText("optional, kept with the record")
        self.reason_edit.setMaxLength(500)
        self.form.addRow("Kept at now", self.now_label)
        self.form.addRow("&Move to", self.location_box)
        self.form.addRow("Rea&son", self.reason_edit)
        self.ok_button.setText(f"&Move ({plural(n, 'camera')})" if n > 1 else "&Move")
        self.location_edit.setFocus()
        state.run(
            QueryOp(
                unit_location.known_locations,
                self._places,
                parent=self,
                on_error=lambda _exc: None,  # the list is a help; a place can still be typed
                lane=Lane.INTERACTIVE,
            )
        )

    def _places(self, names: list[str]) -> None:
        # Filling the list must not replace what was typed meanwhile.
        typed = self.location_edit.text()
        self.location_box.blockSignals(True)
        self.location_box.addItems(names)
        self.location_box.setCurrentIndex(-1)
        self.location_box.setEditText(typed)
        self.location_box.blockSignals(False)

    def call(self) -> Callable[[Ctx], Any]:
        ids = [u.id for u in self.units]
        where, reason = self.location_edit.text(), self.reason_edit.text()
        return lambda ctx: unit_location.move_units(ctx, ids, where, reason)

    def refused(self, exc: BaseException) -> None:
        if "location" in str(exc).lower() or "where" in str(exc).lower():
            self.location_edit.setFocus()
            self.location_edit.selectAll()
