"""observation times as whole microseconds on SQLite

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 09:00:00.000000

On SQLite an observation's time was text ("YYYY-MM-DD HH:MM:SS.ffffff"); it
becomes whole microseconds since 1970 (eight bytes, exact, compared as a
number), which makes a row and its unique index smaller and ingest faster.
PostgreSQL keeps timestamptz: nothing changes there.
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import agilegov.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_TEXT = "%Y-%m-%d %H:%M:%S.%f"
_BATCH = 10_000


def _convert(bind: sa.Connection, convert: object) -> None:
    """Rewrite every time in place. The table copy that changes the column's
    type casts each value, and a cast of a time as text would keep only its
    year: so the text becomes a number before the copy, and after it."""
    rows = bind.execute(sa.text("SELECT id, time FROM observations ORDER BY id")).all()
    update = sa.text("UPDATE observations SET time = :time WHERE id = :id")
    changed = [{"id": row.id, "time": convert(row.time)} for row in rows]  # type: ignore[operator]
    for start in range(0, len(changed), _BATCH):
        bind.execute(update, changed[start : start + _BATCH])


def _microseconds(text: str) -> int:
    return (datetime.strptime(text, _TEXT).replace(tzinfo=UTC) - _EPOCH) // _MICROSECOND


def _text(microseconds: int) -> str:
    return (_EPOCH + microseconds * _MICROSECOND).strftime(_TEXT)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    _convert(bind, _microseconds)
    with op.batch_alter_table("observations", recreate="always") as batch_op:
        batch_op.alter_column(
            "time",
            type_=sa.BigInteger(),
            existing_type=agilegov.db.UTCDateTime(timezone=True),
            existing_nullable=False,
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    # The other way round: the copy casts numbers, which survive it, and only then
    # does each become text.
    with op.batch_alter_table("observations", recreate="always") as batch_op:
        batch_op.alter_column(
            "time",
            type_=agilegov.db.UTCDateTime(timezone=True),
            existing_type=sa.BigInteger(),
            existing_nullable=False,
        )
    _convert(bind, _text)
