"""The automatic daily verification in the window: a child process (here mostly a fake one
that prints the JSON `bwc-desk verify --json` would) and the banner it leads to."""

from __future__ import annotations

import json
import sys

import pytest

from bwc_desk.domain.audit import AuditEvent
from bwc_desk.services import audit, auto_verify
from bwc_desk.services.auto_verify import ChildCommand
from bwc_desk.services.context import SYSTEM
from bwc_desk.ui.auto_verify import AutoVerifier
from bwc_desk.ui.main_window import MainWindow
from bwc_desk.ui.ops import TaskRunner
from bwc_desk.ui.state import AppState
from tests.test_ledger_tamper import history, tamper  # noqa: F401 (fixture)

HEAD = {"count": 36, "head": "a" * 64, "problem": None}
FAILED = {"verdict": "failed", "headline": "VERIFICATION FAILED: the first problem...",
          "first_problem": "custody: FAILED at record #4: its fields no longer match its hash",
          "custody": {**HEAD, "problem": "its fields no longer match its hash"},
          "audit": HEAD}
OK = {"verdict": "ok", "headline": "OK: every record matches", "first_problem": None,
      "custody": HEAD, "audit": HEAD}
WARNING = {**OK, "verdict": "warning", "headline": "WARNING: no station key",
           "warning": "no station key is registered"}


def printing(body: dict) -> object:  # type: ignore[type-arg]
    """A fake child: prints what verify --json would have printed."""
    code = f"import sys; sys.stdout.write({json.dumps(body)!r})"
    return lambda _ctx: ChildCommand((sys.executable, "-c", code), {})


@pytest.fixture
def desk(qtbot, admin_ctx):
    state = AppState(admin_ctx, demo=False, log_dir="/tmp/logs")
    win = MainWindow(state, "Test PD")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    runner = TaskRunner()
    made: list[AutoVerifier] = []

    def start(command: object) -> AutoVerifier:
        verifier = AutoVerifier(admin_ctx.as_actor(SYSTEM), runner, command)  # type: ignore[arg-type]
        verifier.standing.connect(win.verify_banner.show_standing)
        made.append(verifier)
        verifier.start()
        return verifier

    yield win, start
    for verifier in made:
        verifier.stop()
    runner.shutdown()
    state.runner.shutdown()


def banner_text(win: MainWindow) -> str:
    return win.verify_banner.label.text() if win.verify_banner.isVisible() else ""


def test_a_failed_run_raises_a_red_banner_naming_the_first_altered_record(qtbot, desk, admin_ctx):
    win, start = desk
    verifier = start(printing(FAILED))
    with qtbot.waitSignal(verifier.finished, timeout=30_000):
        pass
    qtbot.waitUntil(lambda: "record #4" in banner_text(win), timeout=20_000)
    assert win.verify_banner.level == "failed"
    assert not win.verify_banner.dismiss.isVisible()  # (stays until a verification passes)
    assert "Verify records" in banner_text(win) and "administrator" in banner_text(win)
    # Recorded for the station's system actor, as a verification run of its own.
    rows = audit.list_audit(admin_ctx, event=AuditEvent.VERIFY.value)
    assert rows[0].staff_username == "system" and rows[0].station == "DESK-1"
    assert rows[0].outcome == "failed" and rows[0].details["automatic"] is True
    # Locked: the banner stays, without the record's detail.
    win.lock(idle=True)
    assert win.verify_banner.isVisible() and "record #4" not in banner_text(win)
    assert "FAILED VERIFICATION" in banner_text(win)


def test_a_failure_stays_through_a_restart_until_a_verification_passes(qtbot, desk, admin_ctx):
    win, start = desk
    auto_verify.record(admin_ctx, auto_verify.parse_output(json.dumps(FAILED), 1))
    start(printing(OK))  # (not due: a run finished today; the standing is read)
    qtbot.waitUntil(lambda: win.verify_banner.level == "failed", timeout=20_000)
    win.verify_banner.dismiss.click()  # (hidden for red: and clicking does nothing anyway)
    assert win.verify_banner.isVisible() and win.verify_banner.level == "failed"
    from bwc_desk.services import verify

    verify.verify_records(admin_ctx)  # Verify records by a person: it passes
    win.refresh_verify_banner()
    qtbot.waitUntil(lambda: win.verify_banner.level != "failed", timeout=20_000)


def test_a_passing_run_shows_nothing(qtbot, desk):
    win, start = desk
    verifier = start(printing(OK))
    with qtbot.waitSignal(verifier.finished, timeout=30_000) as got:
        pass
    assert got.args[0].verdict == "ok"
    with qtbot.waitSignal(verifier.standing, timeout=20_000) as read:
        verifier.refresh()
    assert read.args[0].decisive.verdict == "ok" and read.args[0].decisive.automatic
    assert not win.verify_banner.isVisible()


def test_a_warning_is_a_calm_notice_that_can_be_dismissed(qtbot, desk):
    win, start = desk
    start(printing(WARNING))
    qtbot.waitUntil(lambda: win.verify_banner.level == "notice", timeout=30_000)
    assert "trust root" in banner_text(win)
    win.verify_banner.dismiss.click()
    assert not win.verify_banner.isVisible()


def test_a_child_that_cannot_run_is_recorded_as_such(qtbot, desk, admin_ctx):
    win, start = desk
    start(lambda _ctx: ChildCommand((sys.executable, "-c", "import sys; sys.exit('boom')"), {}))
    qtbot.waitUntil(lambda: "could not run" in banner_text(win), timeout=30_000)
    assert "boom" in banner_text(win)
    last = auto_verify.last_automatic(admin_ctx)
    assert last is not None and last.verdict == "error"


def test_the_child_is_ended_when_the_app_quits(qtbot, desk):
    _win, start = desk
    verifier = start(lambda _ctx: ChildCommand(
        (sys.executable, "-c", "import time; time.sleep(120)"), {}))
    qtbot.waitUntil(lambda: verifier.child is not None, timeout=20_000)
    child = verifier.child
    verifier.stop()
    assert child is not None and child.poll() is not None


def test_the_real_child_finds_a_tampered_record(qtbot, history, tmp_path):  # noqa: F811
    """`python -m bwc_desk verify --json` in a child process at low priority, on a small
    tampered SQLite database: the banner names the record."""
    tamper(history, "UPDATE custody_events SET reason = 'edited' WHERE seq = 4")
    state = AppState(history, demo=False, log_dir=str(tmp_path))
    win = MainWindow(state, "Test PD")
    qtbot.addWidget(win)
    win.show()
    runner = TaskRunner()
    verifier = AutoVerifier(history.as_actor(SYSTEM), runner)
    verifier.standing.connect(win.verify_banner.show_standing)
    try:
        verifier.start()
        qtbot.waitUntil(lambda: "record #4" in banner_text(win), timeout=120_000)
        assert win.verify_banner.level == "failed"
    finally:
        verifier.stop()
        runner.shutdown()
        state.runner.shutdown()
