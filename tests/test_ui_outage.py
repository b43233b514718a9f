"""The PostgreSQL server stopped under a running station: what the counter says during the
outage, and when the server answers again (services faked with UnavailableError)."""

from __future__ import annotations

import re

import pytest

from bwc_desk.domain.errors import UnavailableError
from bwc_desk.services import changes, counter
from bwc_desk.ui.main_window import MainWindow
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.counter_tab import CounterTab
from tests.conftest import demo_ctx

AWAY = (
    "The database server (127.0.0.1) cannot be reached: nothing was written. BWC Desk keeps "
    "trying; check the network or ask the administrator."
)


@pytest.fixture
def window(qtbot, demo_db):
    state = AppState(demo_ctx(demo_db), demo=True, log_dir="/tmp/logs")
    win = MainWindow(state, "Harbor City Police Department (demo)")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    state.runner.shutdown()


def _counter(window: MainWindow) -> CounterTab:
    [tab] = window.findChildren(CounterTab)
    return tab


def _away(monkeypatch) -> None:
    def unreachable(*_a: object, **_k: object) -> object:
        raise UnavailableError(AWAY)

    monkeypatch.setattr(counter, "identify_at_counter", unreachable)


def _scan(qtbot, tab: CounterTab, code: str) -> None:
    with qtbot.waitSignal(tab.scan_handled, timeout=10_000):
        tab.scan(code)


def test_each_scan_in_an_outage_names_what_was_scanned_and_when(qtbot, window, monkeypatch):
    tab = _counter(window)
    _away(monkeypatch)
    _scan(qtbot, tab, "BWC-00012")
    first = tab.banner.text()
    assert tab.banner.property("kind") == "error"
    assert re.match(r"\d\d:\d\d:\d\d BWC-00012: not recorded", first), first
    assert "not recorded as issued or returned" in first and "scan it again" in first
    assert "cannot be reached" in first  # (the store's words kept)
    _scan(qtbot, tab, "BWC-00013")
    second = tab.banner.text()
    assert second != first and "BWC-00013: not recorded" in second
    # The window learns of the outage from the counter too: its status line and probe.
    assert window.offline_label.isVisible() and window._probe.isActive()


def test_the_counter_says_when_the_server_answers_again_once(qtbot, window, monkeypatch):
    tab = _counter(window)
    _away(monkeypatch)
    _scan(qtbot, tab, "BWC-00012")
    back: list[bool] = []
    window.state.database_back.connect(lambda: back.append(True))
    monkeypatch.setattr(changes, "marks", lambda ctx: None)
    window._probe_database()
    qtbot.waitUntil(lambda: bool(back), timeout=10_000)
    assert "answers again" in tab.banner.text() and "BWC-00012" in tab.banner.text()
    assert tab.banner.property("kind") == "idle"  # the calm colour
    said = tab.banner.text()
    window.state.database_reachable()  # (told again: nothing new)
    assert back == [True] and tab.banner.text() == said


def test_a_banner_that_moved_on_is_left_alone_when_the_server_answers(
    qtbot, window, monkeypatch
):
    tab = _counter(window)
    _away(monkeypatch)
    _scan(qtbot, tab, "BWC-00012")
    tab.clear_officer()  # (the banner says Ready now)
    ready = tab.banner.text()
    window.state.database_unreachable(UnavailableError(AWAY))
    window.state.database_reachable()
    assert tab.banner.text() == ready
