"""A PostgreSQL database of its own for one benchmark run (shared by the benchmarks)."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager


def libpq(url: str) -> str:
    """The libpq form of an SQLAlchemy URL (psycopg connects with it)."""
    from sqlalchemy import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def postgres_database(server: str) -> Iterator[str]:
    """A new database on ``server`` for this run, dropped afterwards."""
    import psycopg
    from psycopg import sql
    from sqlalchemy import make_url

    name = f"agilegov_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(libpq(server), autocommit=True, connect_timeout=5) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_url(server).set(drivername="postgresql+psycopg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(libpq(server), autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
