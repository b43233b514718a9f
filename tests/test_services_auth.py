import pytest

from bwc_desk.domain.errors import ConflictError, DomainError, PermissionDenied, ValidationError
from bwc_desk.domain.roles import Role
from bwc_desk.services import auth, settings
from bwc_desk.services.context import Ctx
from tests.conftest import PASSWORD

pytestmark = pytest.mark.both_backends  # on SQLite and on PostgreSQL (tests/conftest.py)


def test_first_run_creates_agency_settings_and_admin(db, clock):
    assert auth.needs_setup(db)
    actor = auth.first_run(
        db,
        agency_name="Test PD",
        station="DESK-1",
        username=" Admin ",
        password=PASSWORD,
        clock=clock,
    )
    assert actor.role is Role.ADMIN and actor.username == "admin"
    assert not auth.needs_setup(db)
    ctx = Ctx(db, "DESK-1", actor, clock)
    assert settings.get_settings(ctx).agency_name == "Test PD"
    assert [s.name for s in settings.list_shifts(ctx)] == ["Day", "Evening", "Night"]
    with pytest.raises(ConflictError):
        auth.first_run(db, agency_name="Again", station="X", username="b", password=PASSWORD)


def test_passwords_are_argon2id_hashes(admin_ctx):
    from sqlalchemy import select

    from bwc_desk.store.models import Staff

    with admin_ctx.db.read() as s:
        stored = s.execute(select(Staff.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_sign_in(admin_ctx):
    ctx = admin_ctx.as_actor(None)
    assert auth.sign_in(ctx, "ADMIN", PASSWORD).username == "admin"
    with pytest.raises(DomainError, match="user name or password is wrong"):
        auth.sign_in(ctx, "admin", "wrong password")
    with pytest.raises(DomainError, match="user name or password is wrong"):
        auth.sign_in(ctx, "nobody", PASSWORD)


@pytest.mark.parametrize("password", ["short1", "password123", "iloveyou1", "quinn"])
def test_weak_passwords_are_refused(admin_ctx, password):
    with pytest.raises(ValidationError):
        auth.add_staff(admin_ctx, "quinn", Role.QUARTERMASTER, password)


def test_only_admins_add_staff(qm_ctx):
    with pytest.raises(PermissionDenied, match="only admin may add staff accounts"):
        auth.add_staff(qm_ctx, "eve", Role.ADMIN, PASSWORD)


def test_duplicate_user_names_are_refused(admin_ctx):
    auth.add_staff(admin_ctx, "quinn", Role.QUARTERMASTER, PASSWORD)
    with pytest.raises(ValidationError, match="already a staff account"):
        auth.add_staff(admin_ctx, "Quinn", Role.SUPERVISOR, PASSWORD)


# --- "Nothing lost, nobody in": accounts ------------------------------------------------------


def test_supervisors_cannot_read_or_export_the_audit_log(admin_ctx, sup_ctx, tmp_path):
    from bwc_desk.services import audit

    with pytest.raises(PermissionDenied):
        audit.list_audit(sup_ctx)
    with pytest.raises(PermissionDenied, match="audit"):
        audit.export_audit(sup_ctx, tmp_path / "audit.csv")
    assert not (tmp_path / "audit.csv").exists()
    # admins and auditors still can
    assert audit.export_audit(admin_ctx, tmp_path / "audit.csv") > 0


def _attempts(ctx, name, clock, n=6):
    answers = []
    for _ in range(n):
        clock.advance(seconds=30)
        with pytest.raises(DomainError) as err:
            auth.sign_in(ctx.as_actor(None), name, "Wrong-password-1")
        answers.append(str(err.value))
    return answers


def test_a_locked_unknown_user_name_answers_exactly_as_a_locked_real_one(admin_ctx, clock):
    auth.add_staff(admin_ctx, "quinn", Role.QUARTERMASTER, PASSWORD)
    real = _attempts(admin_ctx, "quinn", clock)
    ghost = _attempts(admin_ctx, "qinn", clock)
    assert "locked" in real[-1]
    assert [a.replace("quinn", "qinn") for a in real] == ghost
    # still locked later, as a real account stays locked until an administrator unlocks it
    clock.advance(hours=5)
    real_later = _attempts(admin_ctx, "quinn", clock, 1)
    ghost_later = _attempts(admin_ctx, "qinn", clock, 1)
    assert real_later[0].replace("quinn", "qinn") == ghost_later[0]


def test_a_password_typed_into_the_user_name_field_is_not_kept(admin_ctx, clock, tmp_path):
    from bwc_desk.services import audit
    from bwc_desk.store.models import SignInFailure

    secret = "Tr0ub4dor&3xyz"
    with pytest.raises(DomainError):
        auth.sign_in(admin_ctx.as_actor(None), secret, "whatever-else")
    rows = audit.list_audit(admin_ctx, event="sign-in failed")
    assert rows and rows[0].staff_username == "unknown user name"
    audit.export_audit(admin_ctx, tmp_path / "a.csv")
    text = (tmp_path / "a.csv").read_text(encoding="utf-8-sig").lower()
    assert secret.lower() not in text
    with admin_ctx.db.read() as session:
        from sqlalchemy import select

        names = session.execute(select(SignInFailure.username)).scalars().all()
    assert all(secret.lower() not in n for n in names)
    # a mistyped user name that looks like a user name is still recorded, for the auditor
    with pytest.raises(DomainError):
        auth.sign_in(admin_ctx.as_actor(None), "jsmith", "whatever-else")
    assert audit.list_audit(admin_ctx, event="sign-in failed")[0].staff_username == "jsmith"


@pytest.mark.parametrize("mark", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
                                  "\u2066", "\u2067", "\u2068", "\u2069"])
def test_bidirectional_override_characters_are_refused_in_names(admin_ctx, mark):
    from bwc_desk.services import inventory, officers

    with pytest.raises(ValidationError, match="direction"):
        auth.add_staff(admin_ctx, f"eve{mark}", Role.QUARTERMASTER, PASSWORD)
    with pytest.raises(ValidationError, match="direction"):
        auth.add_staff(admin_ctx, "eve", Role.QUARTERMASTER, PASSWORD, f"Eve {mark}Admin")
    with pytest.raises(ValidationError, match="direction"):
        officers.add_officer(admin_ctx, officers.OfficerInput("0412", f"Smith{mark}"))
    with pytest.raises(ValidationError, match="direction"):
        officers.add_officer(admin_ctx, officers.OfficerInput(f"04{mark}12", "Smith"))
    with pytest.raises(ValidationError, match="direction"):
        inventory.add_unit(admin_ctx, inventory.UnitInput(f"HPD-{mark}1", "S-1"))
    with pytest.raises(ValidationError, match="direction"):
        inventory.add_unit(admin_ctx, inventory.UnitInput("HPD-1", "S-1", model=f"X{mark}"))
    assert [s.username for s in auth.list_staff(admin_ctx)] == ["admin"]


def test_whoever_owns_the_database_may_change_staff_accounts(admin_ctx):
    # SQLite, or PostgreSQL with the owner's connection: nothing refused up front.
    assert auth.staff_changes_refused(admin_ctx) == ""


# --- changing one's own password (File > Change my password...) -------------------------------
NEW_OWN = "quiet violin meadow 93"


def test_changing_ones_own_password_is_audited_with_who_where_and_when(admin_ctx, qm_ctx):
    from datetime import UTC

    from bwc_desk.services import audit

    auth.change_own_password(qm_ctx, PASSWORD, NEW_OWN)
    anonymous = qm_ctx.as_actor(None)
    assert auth.sign_in(anonymous, "quinn", NEW_OWN).username == "quinn"
    with pytest.raises(DomainError):
        auth.sign_in(anonymous, "quinn", PASSWORD)
    (row,) = audit.list_audit(admin_ctx, event="password changed")
    assert row.staff_username == "quinn" and row.station == "DESK-1"
    assert row.at.utcoffset() == UTC.utcoffset(None) and row.details == {"account": "quinn"}


def test_a_wrong_current_password_changes_nothing_and_says_so(qm_ctx):
    with pytest.raises(DomainError, match="current password is wrong"):
        auth.change_own_password(qm_ctx, "not my password", NEW_OWN)
    assert auth.sign_in(qm_ctx.as_actor(None), "quinn", PASSWORD).username == "quinn"


def test_wrong_current_passwords_count_towards_the_lockout(qm_ctx, admin_ctx):
    # Five wrong guesses in the change-password dialog of a signed-in station are five
    # failed logons (CJIS 5.9.5): counted, audited, and the account locked, as at sign-in.
    import json

    from sqlalchemy import select

    from bwc_desk.services.sign_in_attempts import MAX_FAILED_SIGN_INS
    from bwc_desk.store.models import AuditRecord, Staff

    for _ in range(MAX_FAILED_SIGN_INS):
        with pytest.raises(DomainError) as refused:
            auth.change_own_password(qm_ctx, "a guess at it", NEW_OWN)
    assert "locked" in str(refused.value)
    with qm_ctx.db.read() as session:
        row = session.execute(select(Staff).where(Staff.username == "quinn")).scalar_one()
        assert row.locked_at is not None
        hows = [json.loads(r.details or "{}").get("how") for r in session.execute(
            select(AuditRecord).where(AuditRecord.event == "sign-in failed")).scalars()]
    assert hows.count("password change") == MAX_FAILED_SIGN_INS
    with pytest.raises(DomainError, match="locked"):
        auth.sign_in(qm_ctx.as_actor(None), "quinn", PASSWORD)


def test_the_new_password_must_differ_from_the_current_one(qm_ctx):
    with pytest.raises(ValidationError, match="same as your current"):
        auth.change_own_password(qm_ctx, PASSWORD, PASSWORD)


@pytest.mark.parametrize(("new", "said"), [("short", "too short"), ("password123", "leaked")])
def test_a_new_password_against_the_rules_is_refused(qm_ctx, new, said):
    with pytest.raises(ValidationError, match=said):
        auth.change_own_password(qm_ctx, PASSWORD, new)
    assert auth.sign_in(qm_ctx.as_actor(None), "quinn", PASSWORD).username == "quinn"


def test_a_sign_out_recorded_late_says_when_it_happened(qm_ctx, admin_ctx, clock):
    """A sign-out the server missed is recorded when it answers again: by the person who
    signed out, at this station, now (the chain's order), with the sign-out's own UTC time."""
    from datetime import UTC, timedelta

    from bwc_desk.services import audit

    happened = clock() - timedelta(minutes=7)
    auth.sign_out(qm_ctx, signed_out_at=happened)
    auth.sign_out(qm_ctx)
    late, on_time = sorted(
        (r for r in audit.list_audit(admin_ctx) if r.event == "sign-out"), key=lambda r: r.seq
    )[-2:]
    assert late.staff_username == on_time.staff_username == qm_ctx.actor.username
    assert late.station == qm_ctx.station and late.at == clock()
    assert late.details == {
        "signed out at": happened.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "recorded late": "the database server could not be reached at the sign-out",
    }
    assert not on_time.details


def _away(monkeypatch):  # type: ignore[no-untyped-def]
    """The server goes away for sign-out records (as the outage tests fake it)."""
    from bwc_desk.domain.errors import UnavailableError
    from bwc_desk.services import audit

    real = audit.record

    def record(ctx, event, *args, **kwargs):  # type: ignore[no-untyped-def]
        if event is audit.AuditEvent.SIGN_OUT:
            raise UnavailableError("The database server cannot be reached.")
        return real(ctx, event, *args, **kwargs)

    monkeypatch.setattr(audit, "record", record)
    return lambda: monkeypatch.setattr(audit, "record", real)


def test_a_sign_out_the_server_missed_is_kept_on_disk_until_written(
    qm_ctx, admin_ctx, clock, monkeypatch
):
    """Signed out in an outage: the sign-out is kept in the station's file (a restart does
    not lose it) and written at a later sign-in, for the person who signed out, with when it
    happened and who was signed in when it was written; then it is owed no more."""
    from datetime import UTC

    from bwc_desk.domain.errors import UnavailableError
    from bwc_desk.services import audit
    from bwc_desk.store import owed

    back = _away(monkeypatch)
    happened = clock()
    with pytest.raises(UnavailableError):
        auth.sign_out_or_owe(qm_ctx)
    [entry] = owed.load()
    assert (entry.username, entry.staff_id, entry.station, entry.database) == (
        "quinn", qm_ctx.actor.staff_id, qm_ctx.station, qm_ctx.db.display)
    assert entry.at == happened.astimezone(UTC)
    assert oct(owed.default_path().stat().st_mode & 0o777) == "0o600"
    # Still away at the next sign-in: it stays owed.
    with pytest.raises(UnavailableError):
        auth.record_owed_sign_outs(admin_ctx)
    assert owed.load() == [entry]
    back()
    clock.advance(minutes=20)
    assert auth.record_owed_sign_outs(admin_ctx) == 1
    assert owed.load() == [] and not owed.default_path().exists()
    [late] = [r for r in audit.list_audit(admin_ctx) if r.event == "sign-out"]
    assert late.staff_username == "quinn" and late.station == qm_ctx.station
    assert late.details == {
        "signed out at": happened.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "recorded late": "the database server could not be reached at the sign-out",
        "recorded at the sign-in of": admin_ctx.actor.username,
    }
    assert auth.record_owed_sign_outs(admin_ctx) == 0  # (written once)


def test_owed_sign_outs_of_another_database_or_a_gone_account_are_not_written_here(
    qm_ctx, admin_ctx, clock, caplog
):
    """A sign-out owed to another database (this station used another one) waits for it;
    one whose account no longer has that name can never be written: taken off, logged."""
    from datetime import UTC

    from bwc_desk.services import audit
    from bwc_desk.store import owed

    at = clock().astimezone(UTC)
    elsewhere = owed.OwedSignOut("sqlite:////elsewhere.sqlite3", "ST-9", 1, "quinn", at)
    renamed = owed.OwedSignOut(qm_ctx.db.display, qm_ctx.station, qm_ctx.actor.staff_id,
                               "someone-else", at)
    owed.add(elsewhere)
    owed.add(renamed)
    owed.add(renamed)  # (kept once)
    assert owed.load() == [elsewhere, renamed]
    assert auth.record_owed_sign_outs(admin_ctx) == 0
    assert owed.load() == [elsewhere]
    assert any("someone-else" in r.getMessage() and "not recorded" in r.getMessage()
               for r in caplog.records)
    assert not [r for r in audit.list_audit(admin_ctx) if r.event == "sign-out"]


def test_an_unreadable_owed_file_is_moved_aside_not_emptied(tmp_path, caplog):
    from bwc_desk.store import owed

    file = tmp_path / "owed-sign-outs.json"
    file.write_text("[{not json", encoding="utf-8")
    assert owed.load(file) == []
    [aside] = list(tmp_path.glob("owed-sign-outs.json.unreadable-*"))
    assert aside.read_text(encoding="utf-8") == "[{not json" and not file.exists()
    assert any(str(aside) in r.getMessage() for r in caplog.records)


def test_a_sign_out_that_cannot_be_kept_on_disk_is_said_in_the_log(
    qm_ctx, monkeypatch, caplog
):
    """The server away and the station's disk full: the sign-out still goes on (the
    outage is what the window says), and the log says it could not be kept for later."""
    from bwc_desk.domain.errors import UnavailableError
    from bwc_desk.store import owed

    _away(monkeypatch)

    def full(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(owed, "add", full)
    with pytest.raises(UnavailableError):
        auth.sign_out_or_owe(qm_ctx)
    [line] = [r.getMessage() for r in caplog.records if "could not be kept" in r.getMessage()]
    assert "quinn" in line and qm_ctx.station in line and "No space left" in line
