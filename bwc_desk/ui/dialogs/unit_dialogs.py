"""Dialogs that change units: add and edit, take out of service, return to service, retire,
put in a pool. Each works on one unit or on a selection (one transaction for all).

OK runs the service on the writer thread and the dialog stays open until it answers: a
refusal (a duplicate serial, a retired unit in the selection) is shown in red inside the
dialog, with the service's own words, and nothing is written; the person fixes it or cancels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QWidget,
)

from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.units import UnitAction
from bwc_desk.domain.values import parse_date, plural
from bwc_desk.services import assignments, inventory
from bwc_desk.services.assignments import PoolRow
from bwc_desk.services.context import Ctx
from bwc_desk.services.dto import UnitRow
from bwc_desk.services.inventory import UnitInput
from bwc_desk.ui.dialogs.service_dialog import ServiceDialog
from bwc_desk.ui.state import AppState

DATE_HINT = "2021-10-05 or 10/5/2021; blank if unknown"


def describe_units(units: Sequence[UnitRow], listed: int = 4) -> str:
    """'HPD-BWC-0412' or '5 units: HPD-BWC-0001, HPD-BWC-0002, ... and 2 more'."""
    if len(units) == 1:
        u = units[0]
        return f"{u.asset_tag} (serial {u.serial}, {u.status.value})"
    tags = ", ".join(u.asset_tag for u in units[:listed])
    more = f" and {len(units) - listed} more" if len(units) > listed else ""
    return f"{plural(len(units), 'unit')}: {tags}{more}"


_GONE = {
    UnitAction.MARK_LOST: "marked lost",
    UnitAction.MARK_STOLEN: "marked stolen",
    UnitAction.RETIRE: "retired",
}


def consequences(units: Sequence[UnitRow], action: UnitAction, listed: int = 4) -> str:
    """What else taking these cameras out changes, said before OK: lost, stolen or retired, a
    camera is nobody's own camera any more, and one out with an officer has that issue ended
    (services/inventory.change_status). Empty when the choice changes nothing more."""
    gone = _GONE.get(action)
    if gone is None:
        return ""

    def some(rows: Sequence[UnitRow], say: Callable[[UnitRow], str]) -> str:
        more = f"; and {len(rows) - listed} more" if len(rows) > listed else ""
        return "; ".join(say(u) for u in rows[:listed]) + more

    said = []
    out = [u for u in units if u.holder and action is not UnitAction.RETIRE]
    if out:
        said.append(
            some(out, lambda u: f"{u.asset_tag} is out with {u.holder}")
            + f": once {gone}, {'that issue ends' if len(out) == 1 else 'those issues end'} "
            "(the record names who had it)."
        )
    own = [u for u in units if u.primary_officer]
    if own:
        one = len(own) == 1
        them = "them" if one else "those officers"
        said.append(
            some(own, lambda u: f"{u.asset_tag} is {u.primary_officer}'s own camera")
            + f": once {gone}, {'it is' if one else 'they are'} no longer assigned to {them} "
            f"(give {them} another in Assignments)."
        )
    return "\n".join(said)


def _consequence_label(dialog: ServiceDialog) -> QLabel:
    label = QLabel(dialog)
    label.setObjectName("consequence")
    label.setWordWrap(True)
    label.setStyleSheet("color: #92400e;")  # a warning's amber, not a refusal's red
    label.hide()
    dialog.body.insertWidget(0, label)
    return label


def _say_consequences(label: QLabel, units: Sequence[UnitRow], action: UnitAction) -> None:
    text = consequences(units, action)
    label.setText(text)
    label.setVisible(bool(text))


def _reason_edit(parent: QWidget, placeholder: str) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setObjectName("reason")
    edit.setPlaceholderText(placeholder)
    edit.setMaxLength(500)
    return edit


class UnitDialog(ServiceDialog):
    """Add a unit (``unit`` None) or edit one. Duplicate tags and serials are refused by the
    service, which names the camera that already has them."""

    def __init__(
        self,
        state: AppState,
        unit: UnitRow | None = None,
        models: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(state, "Edit unit" if unit else "Add a unit", parent)
        self.unit = unit
        self.heading.setText(
            f"Edit {unit.asset_tag}. A change is recorded in its custody history."
            if unit
            else "Register a new camera. It starts available, on the shelf."
        )
        self.tag_edit = QLineEdit(self)
        self.tag_edit.setObjectName("asset_tag")
        self.tag_edit.setPlaceholderText("as printed on the label, e.g. HPD-BWC-0412")
        self.serial_edit = QLineEdit(self)
        self.serial_edit.setObjectName("serial")
        self.serial_edit.setPlaceholderText("the maker's serial number")
        self.model_box = QComboBox(self)
        self.model_box.setObjectName("model")
        self.model_box.setEditable(True)
        self.model_box.addItems(["", *models])
        self.firmware_edit = QLineEdit(self)
        self.firmware_edit.setObjectName("firmware")
        self.purchase_edit = QLineEdit(self)
        self.purchase_edit.setObjectName("purchase_date")
        self.purchase_edit.setPlaceholderText(DATE_HINT)
        self.warranty_edit = QLineEdit(self)
        self.warranty_edit.setObjectName("warranty_until")
        self.warranty_edit.setPlaceholderText(DATE_HINT)
        self.notes_edit = QPlainTextEdit(self)
        self.notes_edit.setObjectName("notes")
        self.notes_edit.setFixedHeight(60)
        self.notes_edit.setTabChangesFocus(True)
        self.reason_edit = _reason_edit(self, "why the change (optional), kept with the record")
        self.form.addRow("&Asset tag", self.tag_edit)
        self.form.addRow("&Serial", self.serial_edit)
        self.form.addRow("&Model", self.model_box)
        self.form.addRow("&Firmware", self.firmware_edit)
        self.form.addRow("&Purchased", self.purchase_edit)
        self.form.addRow("&Warranty until", self.warranty_edit)
        self.form.addRow("&Notes", self.notes_edit)
        if unit is not None:
            self.form.addRow("&Reason", self.reason_edit)
            self.tag_edit.setText(unit.asset_tag)
            self.serial_edit.setText(unit.serial)
            self.model_box.setCurrentText(unit.model)
            self.firmware_edit.setText(unit.firmware)
            self.purchase_edit.setText(unit.purchase_date.isoformat() if unit.purchase_date else "")
            self.warranty_edit.setText(
                unit.warranty_until.isoformat() if unit.warranty_until else ""
            )
            self.notes_edit.setPlainText(unit.notes)
            self.ok_button.setText("&Save")
        else:
            self.reason_edit.hide()  # a new unit's record says "registered"; no reason asked
            self.ok_button.setText("&Add unit")
        self.tag_edit.setFocus()

    def show_error(self, text: str) -> None:
        super().show_error(text)
        # The cursor goes to the field the message is about, ready to be corrected.
        lowered = text.lower()
        fields = (
            ("the serial", self.serial_edit),
            ("the asset tag", self.tag_edit),
            ("warranty", self.warranty_edit),
            ("purchase", self.purchase_edit),
        )
        for words, edit in fields:
            if words in lowered:
                edit.setFocus()
                edit.selectAll()
                break

    def data(self) -> UnitInput:
        purchased = parse_date(self.purchase_edit.text(), "purchase date")
        warranty = parse_date(self.warranty_edit.text(), "warranty until")
        if purchased and warranty and warranty < purchased:
            raise DomainError("The warranty ends before the purchase date; check both dates.")
        return UnitInput(
            asset_tag=self.tag_edit.text(),
            serial=self.serial_edit.text(),
            model=self.model_box.currentText(),
            firmware=self.firmware_edit.text(),
            notes=self.notes_edit.toPlainText(),
            purchase_date=purchased,
            warranty_until=warranty,
        )

    def call(self) -> Callable[[Ctx], Any]:
        data = self.data()
        unit = self.unit
        if unit is None:
            return lambda ctx: inventory.add_unit(ctx, data)
        reason = self.reason_edit.text()
        was = UnitInput(
            unit.asset_tag,
            unit.serial,
            unit.model,
            unit.firmware,
            unit.notes,
            unit.purchase_date,
            unit.warranty_until,
        )
        return lambda ctx: inventory.edit_unit(ctx, unit.id, data, reason, started_from=was)


class OutOfServiceDialog(ServiceDialog):
    """In repair (with vendor, ticket and expected date), lost, or stolen; with a reason."""

    CHOICES = (
        (UnitAction.REPAIR, "In &repair with a vendor"),
        (UnitAction.MARK_LOST, "&Lost"),
        (UnitAction.MARK_STOLEN, "S&tolen"),
    )

    def __init__(
        self,
        state: AppState,
        units: Sequence[UnitRow],
        action: UnitAction = UnitAction.REPAIR,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(state, "Take out of service", parent)
        self.units = list(units)
        self.heading.setText(
            f"Take {describe_units(self.units)} out of service."
            + (" All of them change together, or none." if len(self.units) > 1 else "")
        )
        self.group = QButtonGroup(self)
        self.buttons_by_action: dict[UnitAction, QRadioButton] = {}
        for i, (choice, label) in enumerate(self.CHOICES):
            button = QRadioButton(label, self)
            button.setObjectName(f"choice_{choice.name.lower()}")
            self.group.addButton(button, i)
            self.buttons_by_action[choice] = button
            self.form.addRow("What happened" if i == 0 else "", button)
        self.vendor_edit = QLineEdit(self)
        self.vendor_edit.setObjectName("vendor")
        self.vendor_edit.setPlaceholderText("who repairs it, e.g. Axon RMA")
        self.ticket_edit = QLineEdit(self)
        self.ticket_edit.setObjectName("ticket")
        self.ticket_edit.setPlaceholderText("the vendor's RMA or ticket number")
        self.expected_edit = QLineEdit(self)
        self.expected_edit.setObjectName("expected")
        self.expected_edit.setPlaceholderText(DATE_HINT)
        self.reason_edit = _reason_edit(self, "required: what happened, report number...")
        self.consequence_label = _consequence_label(self)
        self.form.addRow("&Vendor", self.vendor_edit)
        self.form.addRow("Tic&ket", self.ticket_edit)
        self.form.addRow("&Expected back", self.expected_edit)
        self.form.addRow("Rea&son", self.reason_edit)
        self.group.idToggled.connect(lambda _i, _on: self._choice_changed())
        self.buttons_by_action.get(action, self.buttons_by_action[UnitAction.REPAIR]).setChecked(
            True
        )
        self._choice_changed()
        self.reason_edit.setFocus()

    def action(self) -> UnitAction:
        return self.CHOICES[max(0, self.group.checkedId())][0]

    def _choice_changed(self) -> None:
        repair = self.action() is UnitAction.REPAIR
        for edit in (self.vendor_edit, self.ticket_edit, self.expected_edit):
            edit.setEnabled(repair)
        n = len(self.units)
        verb = {
            UnitAction.REPAIR: "Send to repair",
            UnitAction.MARK_LOST: "Mark lost",
            UnitAction.MARK_STOLEN: "Mark stolen",
        }[self.action()]
        self.ok_button.setText(f"{verb} ({plural(n, 'unit')})" if n > 1 else verb)
        _say_consequences(self.consequence_label, self.units, self.action())

    def call(self) -> Callable[[Ctx], Any]:
        action, reason = self.action(), self.reason_edit.text()
        vendor, ticket = self.vendor_edit.text(), self.ticket_edit.text()
        expected = (
            parse_date(self.expected_edit.text(), "expected back")
            if action is UnitAction.REPAIR
            else None
        )
        if len(self.units) > 1:
            ids = [u.id for u in self.units]
            return lambda ctx: inventory.bulk_status(
                ctx, ids, action, reason, vendor=vendor, ticket=ticket, expected=expected
            )
        tag = self.units[0].asset_tag
        if action is UnitAction.REPAIR:
            return lambda ctx: inventory.send_to_repair(ctx, tag, reason, vendor, ticket, expected)
        if action is UnitAction.MARK_LOST:
            return lambda ctx: inventory.mark_lost(ctx, tag, reason)
        return lambda ctx: inventory.mark_stolen(ctx, tag, reason)


class StatusDialog(ServiceDialog):
    """Return to service or retire, with a reason."""

    TEXT = {
        UnitAction.RETURN_TO_SERVICE: (
            "Return to service",
            "Put {units} back in service: available on the shelf.",
            "required: repaired, found, recovered...",
        ),
        UnitAction.RETIRE: (
            "Retire",
            "Retire {units}. Retired units never go back into service; their history is kept.",
            "required: end of life, written off, destroyed...",
        ),
    }

    def __init__(
        self,
        state: AppState,
        units: Sequence[UnitRow],
        action: UnitAction,
        parent: QWidget | None = None,
    ) -> None:
        title, text, hint = self.TEXT[action]
        super().__init__(state, title, parent)
        self.units = list(units)
        self.unit_action = action
        together = " All of them change together, or none." if len(self.units) > 1 else ""
        self.heading.setText(text.format(units=describe_units(self.units)) + together)
        self.reason_edit = _reason_edit(self, hint)
        self.form.addRow("Rea&son", self.reason_edit)
        self.consequence_label = _consequence_label(self)
        _say_consequences(self.consequence_label, self.units, action)
        n = len(self.units)
        self.ok_button.setText(f"{title} ({plural(n, 'unit')})" if n > 1 else title)
        self.reason_edit.setFocus()

    def call(self) -> Callable[[Ctx], Any]:
        action, reason = self.unit_action, self.reason_edit.text()
        if len(self.units) > 1:
            ids = [u.id for u in self.units]
            return lambda ctx: inventory.bulk_status(ctx, ids, action, reason)
        tag = self.units[0].asset_tag
        if action is UnitAction.RETIRE:
            return lambda ctx: inventory.retire(ctx, tag, reason)
        return lambda ctx: inventory.return_to_service(ctx, tag, reason)


class PoolDialog(ServiceDialog):
    """Put the selection in a pool of shared cameras (their primary officers are unassigned)."""

    def __init__(
        self,
        state: AppState,
        units: Sequence[UnitRow],
        pools: Sequence[PoolRow],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(state, "Put in a pool", parent)
        self.units = list(units)
        self.heading.setText(
            f"Put {describe_units(self.units)} in a pool of shared cameras. A unit that is "
            "some officer's primary camera stops being theirs."
        )
        self.pool_box = QComboBox(self)
        self.pool_box.setObjectName("pool")
        for pool in pools:
            where = " / ".join(p for p in (pool.division, pool.shift) if p)
            self.pool_box.addItem(
                f"{pool.name}" + (f" ({where})" if where else "") + f", {pool.units} units",
                pool.id,
            )
        self.reason_edit = _reason_edit(self, "optional, kept with the record")
        self.form.addRow("&Pool", self.pool_box)
        self.form.addRow("Rea&son", self.reason_edit)
        n = len(self.units)
        self.ok_button.setText(f"Put in pool ({plural(n, 'unit')})" if n > 1 else "Put in pool")

    def call(self) -> Callable[[Ctx], Any]:
        pool_id = self.pool_box.currentData()
        if pool_id is None:
            raise DomainError("There is no pool yet; create one in Assignments first.")
        ids, reason = [u.id for u in self.units], self.reason_edit.text()
        return lambda ctx: assignments.put_in_pool(ctx, ids, int(pool_id), reason)
