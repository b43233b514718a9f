"""The main window's views, each built the first time it is shown.

A view's module is imported and its widget built only when its tab is first shown (or when
code asks for it), so the window opens with one view built and one view reading. Until then
its tab holds an empty placeholder page; the built view takes the placeholder's place at the
same index, with the same title.

A view joins the window with one line in `main_window.VIEWS`:
``LazyView("A&udit", "audit_tab", "bwc_desk.ui.views.audit_tab:AuditTab")``: the title
(with its keyboard mnemonic for the View menu), the name it is reached by
(``window.view("audit_tab")``), and where its class lives; the class takes the `AppState`."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtWidgets import QTabWidget, QWidget

from bwc_desk.ui.state import AppState


@dataclass(frozen=True)
class LazyView:
    title: str  # "&Inventory": the tab shows it without "&"; the View menu keeps the mnemonic
    name: str  # "inventory_tab": how the window and the tests reach it
    where: str  # "package.module:Class", imported on first use; the class takes the AppState

    def load(self) -> Callable[[AppState], QWidget]:
        """The view's class (its module imported, nothing built)."""
        module, _, cls = self.where.partition(":")
        view_class: Callable[[AppState], QWidget] = getattr(importlib.import_module(module), cls)
        return view_class

    def build(self, state: AppState) -> QWidget:
        return self.load()(state)


class LazyTabs:
    """Fills `tabs` with a placeholder page per view and builds each view on demand."""

    def __init__(
        self,
        tabs: QTabWidget,
        views: Sequence[LazyView],
        state: AppState,
        on_built: Callable[[str, QWidget], None] = lambda _name, _view: None,
    ) -> None:
        self.tabs = tabs
        self.specs = tuple(views)
        self.state = state
        self.on_built = on_built
        self._built: dict[str, QWidget] = {}
        self._placeholders: dict[str, QWidget] = {}
        for spec in self.specs:
            page = QWidget()
            page.setObjectName(f"{spec.name}_placeholder")
            self._placeholders[spec.name] = page
            tabs.addTab(page, spec.title.replace("&", ""))

    def index_of(self, name: str) -> int:
        return [s.name for s in self.specs].index(name)

    def built(self, name: str) -> QWidget | None:
        """The view if it has been built; None (and nothing built) otherwise."""
        return self._built.get(name)

    def built_views(self) -> list[QWidget]:
        return list(self._built.values())

    def view(self, name: str) -> QWidget:
        """The view, built now (in its tab, at its place) if it was not yet."""
        view = self._built.get(name)
        if view is None:
            spec = self.specs[self.index_of(name)]
            view = spec.build(self.state)
            view.setObjectName(view.objectName() or name)
            self._built[name] = view
            self._swap_in(spec, view)
            self.on_built(name, view)
        return view

    def view_at(self, index: int) -> QWidget | None:
        if not 0 <= index < len(self.specs):
            return None
        return self.view(self.specs[index].name)

    def _swap_in(self, spec: LazyView, view: QWidget) -> None:
        # The view goes in before its placeholder, becomes current if the placeholder was,
        # then the placeholder goes: no other page is shown (and so reads) on the way.
        tabs = self.tabs
        placeholder = self._placeholders.pop(spec.name)
        index = tabs.indexOf(placeholder)
        was_current = tabs.currentWidget() is placeholder
        blocked = tabs.blockSignals(True)  # (the window follows currentChanged: not for this)
        try:
            tabs.insertTab(index, view, spec.title.replace("&", ""))
            if was_current:
                tabs.setCurrentIndex(index)
            tabs.removeTab(tabs.indexOf(placeholder))
        finally:
            tabs.blockSignals(blocked)
        placeholder.deleteLater()
