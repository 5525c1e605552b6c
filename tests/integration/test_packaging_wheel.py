"""`pip install .` must give a working app: the wheel carries templates, static files, migrations and
compiled catalogues, which live outside the Python package in the repository."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "setup.py", "README.md", "babel.cfg", "expertpool", "templates", "static", "migrations")
REQUIRED = (
    "expertpool/__init__.py",
    "expertpool/templates/base.html",
    "expertpool/static/vendor/bootstrap/bootstrap.min.css",
    "expertpool/static/css/app.css",
    "expertpool/migrations/env.py",
    "expertpool/migrations/alembic.ini",
    "expertpool/translations/en/LC_MESSAGES/messages.mo",
)


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> list[str]:
    """Build the wheel from a copy of the sources (an in-tree build would leave build/ behind, whose
    stale files end up in later wheels) and list what it contains."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=ignore)
        elif path.exists():
            shutil.copy2(path, source / name)
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(work / "dist"), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    wheels = list((work / "dist").glob("expertpool-*.whl"))
    assert len(wheels) == 1
    with zipfile.ZipFile(wheels[0]) as wheel:
        return wheel.namelist()


@pytest.mark.slow
def test_wheel_ships_templates_static_migrations_and_catalogues(wheel_names):
    names = set(wheel_names)
    missing = [name for name in REQUIRED if name not in names]
    assert not missing, f"missing from the wheel: {missing}"
    versions = [n for n in names if n.startswith("expertpool/migrations/versions/") and n.endswith(".py")]
    assert versions, "no migration in the wheel"
    source_templates = {p.relative_to(ROOT).as_posix() for p in (ROOT / "templates").rglob("*.html")}
    assert {f"expertpool/{t}" for t in source_templates} <= names


@pytest.mark.slow
def test_wheel_holds_no_build_leftovers_or_tests(wheel_names):
    assert not [n for n in wheel_names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in wheel_names if n.startswith(("tests/", "instance/", "build/"))]
    assert any(n.endswith("entry_points.txt") for n in wheel_names)  # the `expertpool` console script
