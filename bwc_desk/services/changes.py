"""Keeping every station's views current: notifications on PostgreSQL, polling otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from bwc_desk.services.context import Ctx
from bwc_desk.store.listen import ChangeListener, OnChange
from bwc_desk.store.models import ChainHead, Dock, Officer, Setting, Staff, Unit


def listen(ctx: Ctx, on_change: OnChange) -> ChangeListener | None:
    """A running listener on PostgreSQL, or None where the views must poll."""
    if not ctx.db.is_postgresql:
        return None
    listener = ChangeListener(ctx.db, on_change)
    listener.start()
    return listener


@dataclass(frozen=True, slots=True)
class Marks:
    """Cheap high-water marks: any change at any station moves at least one."""

    custody: int
    audit: int
    units: datetime | None
    officers: datetime | None
    settings: datetime | None
    staff: int
    docks: datetime | None = None  # the last dock report at any station

    def topics_since(self, before: Marks) -> set[str]:
        topics: set[str] = set()
        if self.custody != before.custody:
            topics |= {"custody", "units"}
        if self.units != before.units:
            topics.add("units")
        if self.officers != before.officers:
            topics.add("officers")
        if self.settings != before.settings:
            topics.add("settings")
        if self.staff != before.staff or self.audit != before.audit:
            topics.add("staff")
        if self.docks != before.docks:
            topics.add("docks")
        return topics


def marks(ctx: Ctx) -> Marks:
    with ctx.db.read() as session:
        heads = dict(session.execute(select(ChainHead.chain, ChainHead.seq)).all())
        return Marks(
            int(heads.get("custody", 0)), int(heads.get("audit", 0)),
            session.execute(select(func.max(Unit.updated_at))).scalar(),
            session.execute(select(func.max(Officer.updated_at))).scalar(),
            session.execute(select(func.max(Setting.updated_at))).scalar(),
            int(session.execute(select(func.count()).select_from(Staff)).scalar_one()),
            session.execute(select(func.max(Dock.last_seen_at))).scalar(),
        )
