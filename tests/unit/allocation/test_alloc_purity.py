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


# What the engine must never load, even indirectly (the AST test above cannot see a parent package's
# imports: `expertpool/__init__.py` used to load Flask, SQLAlchemy and the models for every importer).
HEAVY = ("flask", "sqlalchemy", "expertpool.models")

_PROBE = """
import sys
import expertpool.allocation as engine
loaded = {name for name in sys.modules if name.split(".")[0] in ("flask", "sqlalchemy")}
loaded |= {name for name in sys.modules if name == "expertpool.models" or name.startswith("expertpool.models.")}
after_import = sorted(loaded)
problem = engine.generate("small", seed=3)
plan = engine.solve(problem)
engine.check_plan(problem, plan)
engine.plan_to_dict(plan)
loaded = {name for name in sys.modules if name.split(".")[0] in ("flask", "sqlalchemy")}
loaded |= {name for name in sys.modules if name == "expertpool.models" or name.startswith("expertpool.models.")}
print(repr((after_import, sorted(loaded))))
"""


def test_importing_and_running_the_engine_loads_no_framework_orm_or_models():
    import ast as _ast
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    after_import, after_solve = _ast.literal_eval(result.stdout.strip().splitlines()[-1])
    assert after_import == [], f"import expertpool.allocation loaded {after_import}"
    assert after_solve == [], f"solving a problem loaded {after_solve}"
