import pytest

from bwc_desk.domain.errors import ConflictError, DomainError, PermissionDenied, ValidationError
from bwc_desk.domain.roles import Role
from bwc_desk.services import auth, settings
from bwc_desk.services.context import Ctx
from tests.conftest import PASSWORD


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
