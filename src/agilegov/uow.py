"""The unit of work: one session, one transaction, committed explicitly.

Services open it with ``with uow:``; a service called from another service
joins the outer transaction, and only the outermost ``commit()`` commits, so a
write and its record event always land together or not at all.
"""

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None
        self._depth = 0

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work inside a 'with' block")
        return self._session

    def __enter__(self) -> "UnitOfWork":
        if self._depth == 0:
            self._session = self._session_factory()
        self._depth += 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth == 0:
            session, self._session = self.session, None
            session.rollback()
            session.close()
        elif exc_type is not None:
            self.session.rollback()

    def commit(self) -> None:
        if self._depth == 1:
            self.session.commit()
        else:
            self.session.flush()
