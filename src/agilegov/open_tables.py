"""The rows a part publishes as open data: which rows of one of its tables
are public, the columns (never one naming a user), the organization whose
licence covers a row, and where each row's record entry is; or figures worked
out from its rows (statistics with small cells hidden), which no single record
entry stands for. Each part declares its tables (``Part.open_data``); the
disclosure part cuts them into a dump."""

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, null, select
from sqlalchemy.orm import Session

from agilegov.record.models import Event
from agilegov.tenancy import Scope

# The column each row's record entry is in (None: no public event about the row).
ENTRY_COLUMN = "record_entry"
# The column of the licence a row is published under.
LICENCE_COLUMN = "licence"
# Rows fetched at a time: what a table costs in memory, whatever its size.
BATCH = 2_000

# The licence an organization publishes under, as SQL, from the organization's id as SQL.
LicenceOf = Callable[[Any], Any]


def public_scopes() -> Select[Any]:
    return select(Scope.id).where(Scope.visibility == "public")


def data_columns(model: Any, leave_out: Iterable[str] = ()) -> list[Any]:
    """The model's columns but those naming a user and those left out."""
    skipped = set(leave_out)
    return [
        column
        for column in model.__table__.columns
        if column.name not in skipped
        and not any(key.target_fullname.startswith("users.") for key in column.foreign_keys)
    ]


class PublicTable:
    """How one table's public rows are read: the columns, the condition, the
    organization whose licence covers a row, and where its record entry is."""

    figures = False

    def __init__(
        self,
        name: str,
        model: Any,
        where: Sequence[ColumnElement[bool]],
        organization: Any,
        subject_type: str | None,
        leave_out: Iterable[str] = (),
        joins: Sequence[tuple[Any, Any]] = (),
        licence: Any = None,
        event_prefix: str | None = None,
    ) -> None:
        self.name = name
        self.model = model
        self.columns = data_columns(model, leave_out)
        self.where = where
        self.organization = organization
        self.subject_type = subject_type
        self.joins = joins
        self.licence = licence
        # Events about the row are of types ``<prefix>.<action>`` (others about
        # the same subject, a vote about its statement, tell of something else).
        self.event_prefix = event_prefix or subject_type

    def query(self, licence_of: LicenceOf) -> Select[Any]:
        """The rows, with the record entry of the latest public event about each,
        and the licence (``licence_of`` the organization's, as SQL)."""
        statement = select(*self.columns)
        for target, on in self.joins:
            statement = statement.join(target, on)
        if self.subject_type is not None:
            latest = (
                select(Event.subject_id, func.max(Event.leaf_index).label("leaf_index"))
                .where(
                    Event.subject_type == self.subject_type,
                    Event.type.startswith(f"{self.event_prefix}.", autoescape=True),
                    Event.payload_salt.is_(None),
                )
                .group_by(Event.subject_id)
                .subquery()
            )
            statement = statement.outerjoin(latest, latest.c.subject_id == self.model.id)
            entry: Any = latest.c.leaf_index
        elif "leaf_index" in self.model.__table__.columns:
            public = (
                select(Event.leaf_index)
                .where(
                    Event.leaf_index == self.model.leaf_index,
                    Event.payload_salt.is_(None),
                )
                .scalar_subquery()
            )
            entry = public
        else:
            entry = null()
        licence: Any = self.licence if self.licence is not None else licence_of(self.organization)
        return (
            statement.add_columns(entry.label(ENTRY_COLUMN), licence.label(LICENCE_COLUMN))
            .where(*self.where)
            .order_by(self.model.id)
        )

    def column_names(self) -> tuple[str, ...]:
        names = tuple(column.name for column in self.columns if column.name != ENTRY_COLUMN)
        return (*names, ENTRY_COLUMN, LICENCE_COLUMN)

    def rows(self, session: Session, licence_of: LicenceOf) -> Iterable[Sequence[Any]]:
        """The rows in column order, streamed BATCH at a time (a server-side
        cursor on PostgreSQL)."""
        connection = session.connection().execution_options(yield_per=BATCH)
        yield from connection.execute(self.query(licence_of))


class FigureTable:
    """Figures a part works out from its rows. ``compute(session, licence_of)``
    yields each row's values in ``columns`` order followed by its licence; the
    figures are checked against the dump's hashes, not against a record entry."""

    figures = True

    def __init__(
        self,
        name: str,
        columns: Sequence[str],
        compute: Callable[[Session, LicenceOf], Iterable[Sequence[Any]]],
    ) -> None:
        self.name = name
        self.columns = tuple(columns)
        self.compute = compute

    def column_names(self) -> tuple[str, ...]:
        return (*self.columns, ENTRY_COLUMN, LICENCE_COLUMN)

    def rows(self, session: Session, licence_of: LicenceOf) -> Iterable[Sequence[Any]]:
        for *values, licence in self.compute(session, licence_of):
            yield (*values, None, licence)


def scope_organization(model: Any) -> Any:
    # Correlated by name: it stands inside the licence's subquery, two levels down.
    return (
        select(Scope.organization_id)
        .where(Scope.id == model.scope_id)
        .correlate(model)
        .scalar_subquery()
    )


def in_public_scope(model: Any) -> list[ColumnElement[bool]]:
    return [model.scope_id.in_(public_scopes())]
