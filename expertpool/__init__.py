"""expertpool: the web platform of a pool of shared IT experts. `create_app` (in `app.py`) wires everything.

Flask is not imported here: `import expertpool.allocation` (the pure engine) must load no web framework,
no ORM and no models. `create_app` is re-exported lazily so that `from expertpool import create_app`,
`flask --app expertpool` and `gunicorn 'expertpool:create_app()'` keep working.
"""

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from expertpool.app import create_app

        return create_app
    raise AttributeError(f"module 'expertpool' has no attribute {name!r}")
