"""The Verify records dialog as each role sees it: what the role may not do is disabled
before any prompt (the tooltip says who may); a failed action is said in its own line and
the verification verdict stays."""

from __future__ import annotations

from bwc_desk.domain.roles import Role
from bwc_desk.ui.dialogs.verify_dialog import VerifyDialog
from bwc_desk.ui.state import AppState
from tests.conftest import make_actor


def _dialog(qtbot, ctx):  # type: ignore[no-untyped-def]
    state = AppState(ctx)
    dialog = VerifyDialog(state)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.copy_button.isEnabled(), timeout=10_000)
    return state, dialog


def test_the_auditor_cannot_start_what_only_an_administrator_may_do(qtbot, admin_ctx):
    state, dialog = _dialog(qtbot, make_actor(admin_ctx, Role.AUDITOR, "audrey"))
    for button in (dialog.key_button, dialog.revoke_button):
        assert not button.isEnabled()
        assert button.toolTip() == "Only admin may do this."
    assert dialog.anchor_button.isEnabled()  # auditors anchor (VERIFY: docs/ledger.md)
    state.runner.shutdown()


def test_a_failed_anchor_is_said_in_its_own_line_and_the_verdict_stays(qtbot, admin_ctx):
    state, dialog = _dialog(qtbot, admin_ctx)
    assert all(b.isEnabled() for b in (dialog.key_button, dialog.revoke_button,
                                       dialog.anchor_button))
    verdict = dialog.status.text()
    assert "OK" in verdict
    dialog.anchor_button.click()  # no anchor folder is set in a new agency
    qtbot.waitUntil(lambda: dialog.action_error.isVisible(), timeout=10_000)
    assert "No anchor folder is set" in dialog.action_error.text()
    assert dialog.status.text() == verdict
    state.runner.shutdown()


def test_without_a_station_key_the_verdict_is_a_warning_with_the_command(qtbot, db, clock):
    """An agency set up on the command line (no first run, so no key yet): the dialog says
    WARNING, not OK, and how to set the trust root; 'no signing key' is not only further
    down."""
    import zoneinfo

    from bwc_desk.services import staff_cli
    from bwc_desk.services.context import Ctx
    from tests.conftest import PASSWORD

    setup = Ctx(db, "DESK-1", None, clock, zoneinfo.ZoneInfo("America/New_York"))
    staff_cli.add_first_admin(setup, "chief", PASSWORD, os_user="itdesk")
    chief = staff_cli.signed_in_admin(setup, "chief", PASSWORD, os_user="itdesk")
    state, dialog = _dialog(qtbot, chief)
    verdict = dialog.status.text()
    assert "WARNING" in verdict and ">OK<" not in verdict
    assert "no station key is registered" in verdict and "keys init-root" in verdict
    assert "#b45309" in verdict  # amber, not the green of an OK
    state.runner.shutdown()


def test_the_last_automatic_verification_is_shown(qtbot, admin_ctx):
    from bwc_desk.services import auto_verify

    state, dialog = _dialog(qtbot, admin_ctx)
    qtbot.waitUntil(lambda: "none yet" in dialog.auto_status.text(), timeout=10_000)
    state.runner.shutdown()
    auto_verify.record(admin_ctx, auto_verify.VerifyOutcome(
        "failed", "VERIFICATION FAILED", "custody: FAILED at record #4: changed",
        {"custody": {"count": 9, "head": "a" * 64, "problem": "changed"}}))
    state, dialog = _dialog(qtbot, admin_ctx)
    qtbot.waitUntil(lambda: "FAILED" in dialog.auto_status.text(), timeout=10_000)
    assert "record #4" in dialog.auto_status.text() and "DESK-1" in dialog.auto_status.text()
    state.runner.shutdown()
