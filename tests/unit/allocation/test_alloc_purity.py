"""The engine stays pure: no web framework, no ORM (it must run and be tested without a database)."""

import ast
from pathlib import Path

import expertpool.allocation

FORBIDDEN = ("flask", "flask_", "wtforms", "sqlalchemy")


def test_alloc_package_imports_no_framework():
    package = Path(expertpool.allocation.__file__).parent
    for path in sorted(package.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{path.name} has no docstring"
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            for name in names:
                assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}"
