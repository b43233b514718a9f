"""Accounts, lockout, roles enforced in the services, and the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bwc_desk.domain.audit import AuditEvent
from bwc_desk.domain.errors import DomainError, PermissionDenied, ValidationError
from bwc_desk.domain.roles import Role
from bwc_desk.services import audit, auth, inventory, settings
from bwc_desk.services.context import Ctx
from bwc_desk.services.inventory import UnitInput
from bwc_desk.store.models import AuditRecord
from tests.conftest import PASSWORD, add_own

pytestmark = pytest.mark.both_backends  # on SQLite and on PostgreSQL (tests/conftest.py)


def events(ctx: Ctx) -> list[tuple[str, str, str]]:
    with ctx.db.read() as s:
        rows = s.execute(select(AuditRecord).order_by(AuditRecord.seq)).scalars()
        return [(r.event, r.outcome, r.staff_username or "") for r in rows]


def anonymous(ctx: Ctx) -> Ctx:
    return ctx.as_actor(None)


def test_lockout_after_five_failures_in_fifteen_minutes(admin_ctx, clock):
    add_own(admin_ctx, "quinn", Role.QUARTERMASTER, PASSWORD)
    ctx = anonymous(admin_ctx)
    for i in range(4):
        with pytest.raises(DomainError, match="wrong"):
            auth.sign_in(ctx, "quinn", f"wrong {i}")
        clock.advance(minutes=2)
    with pytest.raises(DomainError, match="locked"):
        auth.sign_in(ctx, "quinn", "wrong again")
    # Locked: even the right password is refused, across a restart (state is in the database).
    with pytest.raises(DomainError, match="administrator must unlock"):
        auth.sign_in(ctx, "quinn", PASSWORD)
    names = [e for e, _o, _u in events(admin_ctx)]
    assert names.count(AuditEvent.SIGN_IN_FAILED.value) == 6
    assert AuditEvent.LOCKOUT.value in names
    staff = {s.username: s for s in auth.list_staff(admin_ctx)}
    assert staff["quinn"].locked
    auth.unlock(admin_ctx, staff["quinn"].id)
    assert auth.sign_in(ctx, "quinn", PASSWORD).username == "quinn"
    assert AuditEvent.UNLOCK.value in [e for e, _o, _u in events(admin_ctx)]


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock(admin_ctx, clock):
    add_own(admin_ctx, "quinn", Role.QUARTERMASTER, PASSWORD)
    ctx = anonymous(admin_ctx)
    for _ in range(8):
        with pytest.raises(DomainError, match="wrong"):
            auth.sign_in(ctx, "quinn", "wrong")
        clock.advance(minutes=4)
    assert auth.sign_in(ctx, "quinn", PASSWORD).username == "quinn"


def test_a_good_sign_in_clears_earlier_failures(admin_ctx):
    add_own(admin_ctx, "quinn", Role.QUARTERMASTER, PASSWORD)
    ctx = anonymous(admin_ctx)
    for _ in range(4):
        with pytest.raises(DomainError):
            auth.sign_in(ctx, "quinn", "wrong")
    auth.sign_in(ctx, "quinn", PASSWORD)
    for _ in range(4):
        with pytest.raises(DomainError, match="wrong"):
            auth.sign_in(ctx, "quinn", "wrong")


def test_badge_and_pin_sign_in(admin_ctx):
    row = add_own(admin_ctx, "quinn", Role.QUARTERMASTER, PASSWORD)
    with pytest.raises(ValidationError):
        auth.set_badge_and_pin(admin_ctx, row.id, "STAFF-0042", "1234")
    with pytest.raises(ValidationError):
        auth.set_badge_and_pin(admin_ctx, row.id, "STAFF-0042", "123456")  # sequential
    auth.set_badge_and_pin(admin_ctx, row.id, "staff-0042", "480271")
    ctx = anonymous(admin_ctx)
    assert auth.sign_in_badge(ctx, " STAFF-0042\n", "480271").username == "quinn"
    with pytest.raises(DomainError, match="badge or PIN is wrong"):
        auth.sign_in_badge(ctx, "STAFF-0042", "000000")
    with pytest.raises(DomainError, match="badge or PIN is wrong"):
        auth.sign_in_badge(ctx, "NOBODY", "480271")


def test_pin_failures_count_towards_the_lockout(admin_ctx):
    row = add_own(admin_ctx, "quinn", Role.QUARTERMASTER, PASSWORD)
    auth.set_badge_and_pin(admin_ctx, row.id, "STAFF-0042", "480271")
    ctx = anonymous(admin_ctx)
    for _ in range(3):
        with pytest.raises(DomainError):
            auth.sign_in_badge(ctx, "STAFF-0042", "111222")
    for _ in range(2):
        with pytest.raises(DomainError):
            auth.sign_in(ctx, "quinn", "wrong")
    with pytest.raises(DomainError, match="locked"):
        auth.sign_in_badge(ctx, "STAFF-0042", "480271")


def test_account_administration_is_audited_and_guarded(admin_ctx):
    row = add_own(admin_ctx, "quinn", Role.QUARTERMASTER, PASSWORD)
    auth.change_role(admin_ctx, row.id, Role.SUPERVISOR)
    auth.reset_password(admin_ctx, row.id, "another long password")
    auth.set_active(admin_ctx, row.id, False)
    with pytest.raises(DomainError, match="disabled"):
        auth.sign_in(anonymous(admin_ctx), "quinn", "another long password")
    me = admin_ctx.actor
    assert me is not None
    with pytest.raises(DomainError, match="your own account"):
        auth.set_active(admin_ctx, me.staff_id, False)
    with pytest.raises(DomainError, match="last active administrator"):
        auth.change_role(admin_ctx, me.staff_id, Role.AUDITOR)
    names = [e for e, _o, _u in events(admin_ctx)]
    for event in (AuditEvent.ACCOUNT_CREATED, AuditEvent.ROLE_CHANGED,
                  AuditEvent.PASSWORD_SET_TEMPORARY, AuditEvent.ACCOUNT_DISABLED):
        assert event.value in names


def test_a_refused_action_raises_and_is_audited(admin_ctx, qm_ctx):
    with pytest.raises(PermissionDenied, match="only supervisor or admin may add units"):
        inventory.add_unit(qm_ctx, UnitInput("HPD-1", "S-1"))
    assert (AuditEvent.REFUSED.value, "refused", "quinn") in events(admin_ctx)
    assert inventory.list_units(admin_ctx) == []


@pytest.mark.parametrize("role", [Role.QUARTERMASTER, Role.SUPERVISOR])
def test_only_admins_and_auditors_see_the_audit_log(admin_ctx, role):
    from tests.conftest import make_actor

    ctx = make_actor(admin_ctx, role, f"user-{role.value}")
    with pytest.raises(PermissionDenied):
        audit.list_audit(ctx)


def test_auditor_reads_the_audit_log_with_filters(admin_ctx, auditor_ctx):
    with pytest.raises(DomainError):
        auth.sign_in(anonymous(admin_ctx), "admin", "wrong")
    rows = audit.list_audit(auditor_ctx, event=AuditEvent.SIGN_IN_FAILED.value)
    assert len(rows) == 1 and rows[0].staff_username == "admin"
    assert all(r.outcome == "ok" for r in audit.list_audit(auditor_ctx, outcome="ok"))


def test_settings_changes_are_audited_with_old_and_new(admin_ctx):
    settings.change_settings(admin_ctx, {"min_battery_pct": 70, "idle_lock_minutes": 10})
    rows = audit.list_audit(admin_ctx, event=AuditEvent.SETTINGS_CHANGED.value)
    assert rows[0].details["changes"]["min_battery_pct"] == [80, 70]
    with pytest.raises(ValidationError, match="at most 30"):
        settings.change_settings(admin_ctx, {"idle_lock_minutes": 45})


def test_imports_and_exports_are_audited(admin_ctx, tmp_path):
    from bwc_desk.services import exports, imports

    path = tmp_path / "o.csv"
    path.write_text("badge,last_name\n1,A\n,B\n", encoding="utf-8")
    imports.import_officers(admin_ctx, path)
    exports.export_officers(admin_ctx, tmp_path / "out.csv")
    rows = {r.event: r for r in audit.list_audit(admin_ctx)}
    assert rows[AuditEvent.IMPORT.value].outcome == "failed"
    assert rows[AuditEvent.IMPORT.value].details["bad_rows"] == 1
    assert rows[AuditEvent.EXPORT.value].details["what"] == "officers"


def test_audit_export_has_every_field(admin_ctx, tmp_path):
    n = audit.export_audit(admin_ctx, tmp_path / "audit.csv")
    text = (tmp_path / "audit.csv").read_text(encoding="utf-8-sig").splitlines()
    assert n >= 2 and text[0].startswith("seq,at_utc,event,outcome,staff_id")


# --- verify is read-only (both backends) --------------------------------------------------
def test_verify_from_the_command_line_writes_nothing(admin_ctx):
    from bwc_desk.services.startup import verify_database

    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "S-1"))
    before = events(admin_ctx)
    url = admin_ctx.db.url.render_as_string(hide_password=False)
    result = verify_database(url)
    assert result.ok and result.custody.count >= 1
    assert events(admin_ctx) == before


def test_the_app_records_a_verification_run_separately(admin_ctx):
    from bwc_desk.services import verify

    before = events(admin_ctx)
    result = verify.check_records(admin_ctx)  # the walk: a read
    assert result.ok and events(admin_ctx) == before
    verify.record_verification(admin_ctx, result)  # then its record: a write
    assert events(admin_ctx)[-1] == (AuditEvent.VERIFY.value, "ok", "admin")


def test_a_verification_cannot_write_even_if_asked_to(admin_ctx):
    from sqlalchemy.exc import DBAPIError

    from bwc_desk.services.startup import open_read_only
    from bwc_desk.store.models import Setting

    url = admin_ctx.db.url.render_as_string(hide_password=False)
    db = open_read_only(url)
    try:
        with pytest.raises(DBAPIError), db.write() as s:
            s.execute(Setting.__table__.delete())
    finally:
        db.dispose()
