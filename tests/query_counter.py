"""The one SQL statement counter of the tests (the `count_queries` fixture of conftest.py)."""

from collections import Counter

from sqlalchemy import event


def _store_pending_positions() -> None:
    """Store the positions of what the test wrote so far (its builders flush, never commit): in a running
    pool they were stored when that data was committed, so a count measures the page alone, not the first
    commit after the setup (a page that writes, an API token's last use)."""
    from flask import has_app_context

    if has_app_context():
        from expertpool import position_store
        from expertpool.extensions import db

        position_store.refresh(db.session)


class QueryCounter:
    """Counts the statements sent to `engine` while active: `with QueryCounter(engine) as q: …; q.count`.

    `statements` keeps their text, `kinds` counts them by first word (SELECT, INSERT, UPDATE…).
    """

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    @property
    def kinds(self) -> Counter:
        return Counter(statement.split(None, 1)[0].upper() for statement in self.statements)

    def _on_execute(self, _conn, _cursor, statement, *_args, **_kwargs):
        self.statements.append(statement)

    def __enter__(self):
        _store_pending_positions()
        event.listen(self.engine, "before_cursor_execute", self._on_execute)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._on_execute)


class QueryCounting:
    """What the `count_queries` fixture gives: `count_queries()` is a counter to use in a `with`;
    `count_queries.get(client, url)` counts one GET (asserting 200) and returns (count, response)."""

    def __init__(self, db):
        self.db = db

    def __call__(self) -> QueryCounter:
        return QueryCounter(self.db.engine)

    def get(self, client, url: str, *, fresh: bool = True):
        if fresh:  # the test's session is long-lived: make the request load everything afresh
            self.db.session.expire_all()
        with self() as counter:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return counter.count, response
