"""Locates the templates/, static/ and migrations/ folders in a checkout or an installed wheel."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> str:
    """The folder `name`: inside the package when installed from a wheel, else at the repo top."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return str(candidate)
    raise FileNotFoundError(f"expertpool resource folder {name!r} not found")
