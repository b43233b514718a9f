"""A new purchase batch: what a lot of cameras cost, its yearly licence, how long it serves
and its warranty. (Cameras join a batch with `bwc-desk batches assign`, or on import.)"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QLineEdit, QSpinBox, QWidget

from bwc_desk.services.batches import BatchInput, add_batch, parse_money
from bwc_desk.ui.dialogs.service_dialog import Request, ServiceDialog, heading
from bwc_desk.ui.state import AppState


class BatchDialog(ServiceDialog):
    changed = "units"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, "New purchase batch", parent)
        self.body.insertWidget(0, heading(
            "Cameras bought together, e.g. <i>2019 lot</i>: the lifecycle and cost report "
            "groups by batch. Amounts per camera, without a currency sign."))
        self.name_edit = QLineEdit(self)
        self.date_edit = QDateEdit(self)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        today = date.today()
        self.date_edit.setDate(QDate(today.year, today.month, today.day))
        self.count_box = QSpinBox(self)
        self.count_box.setRange(0, 100_000)
        self.unit_cost = QLineEdit(self)
        self.unit_cost.setPlaceholderText("e.g. 899.00")
        self.licence_cost = QLineEdit("0", self)
        self.currency = QLineEdit("USD", self)
        self.currency.setMaxLength(3)
        self.years = QSpinBox(self)
        self.years.setRange(1, 30)
        self.years.setValue(5)
        self.warranty = QSpinBox(self)
        self.warranty.setRange(0, 240)
        self.warranty.setValue(12)
        for label, widget in (("&Name", self.name_edit), ("&Purchased", self.date_edit),
                              ("&Cameras bought", self.count_box),
                              ("&Unit cost", self.unit_cost),
                              ("&Licence per year", self.licence_cost),
                              ("C&urrency", self.currency), ("Service &life (years)", self.years),
                              ("&Warranty (months)", self.warranty)):
            self.form.addRow(label, widget)
        self.ok_button.setText("&Add")
        self.name_edit.setFocus()

    def request(self) -> Request | None:
        q = self.date_edit.date()
        data = BatchInput(
            self.name_edit.text(), date(q.year(), q.month(), q.day()), self.count_box.value(),
            parse_money(self.unit_cost.text(), "Unit cost"),
            parse_money(self.licence_cost.text() or "0", "Licence"), self.currency.text(),
            self.years.value(), self.warranty.value(),
        )
        return (lambda ctx: add_batch(ctx, data)), self.changed
