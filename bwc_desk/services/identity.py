"""Recording officers' and cameras' identities in the identity chain, from the services that
write their rows (officers, inventory; imports and the demo go through those)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from bwc_desk.services.context import Ctx
from bwc_desk.store import identity
from bwc_desk.store.models import Officer, Unit


def _who(ctx: Ctx) -> str:
    return ctx.actor.username if ctx.actor is not None else "system"


def officer_written(ctx: Ctx, session: Session, officer: Officer, *, created: bool = False) -> None:
    """Call where an officer row is created or changed, in the same transaction: chains its
    badge, name, scan code and active flag (nothing if none of them changed)."""
    identity.record_officer(
        session, officer, at=ctx.now(), staff_username=_who(ctx), station=ctx.station,
        created=created,
    )


def unit_written(ctx: Ctx, session: Session, unit: Unit, *, created: bool = False) -> None:
    """Call where a camera row is created or changed: chains its asset tag, serial, model."""
    identity.record_unit(
        session, unit, at=ctx.now(), staff_username=_who(ctx), station=ctx.station,
        created=created,
    )


def officers_written(
    ctx: Ctx, session: Session, officers: Sequence[tuple[int, Any]], *, created: bool
) -> None:
    """The bulk twin of ``officer_written`` (the import): (officer id, the values written),
    where the values carry badge, names, scan code and active."""
    identity.record_many(
        session, identity.OFFICER,
        [(oid, identity.officer_fields(data), created) for oid, data in officers],
        at=ctx.now(), staff_username=_who(ctx), station=ctx.station,
    )
