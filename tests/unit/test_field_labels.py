"""Every field the code writes into an audit row's before/after has a word for the reader in labels.py.

The keys are read from the source: the literal keys of the dicts passed as `before=`/`after=`, and the
fields named to `snapshot(obj, ...)`, directly or through a module-level tuple (`*FIELDS`).
"""

import ast
from pathlib import Path

from expertpool.coordination.member_import import WRITTEN_FIELDS
from expertpool.labels import FIELD_LABELS

PACKAGE = Path(__file__).resolve().parents[2] / "expertpool"


def _module_tuples(tree: ast.Module) -> dict[str, list[str]]:
    tuples = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple | ast.List):
            strings = [e.value for e in node.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            for target in node.targets:
                if isinstance(target, ast.Name) and strings:
                    tuples[target.id] = strings
    return tuples


def audited_keys() -> dict[str, str]:
    """key → the file that audits it first."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "allocation" in path.parts or "loadbench" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        tuples = _module_tuples(tree)
        where = str(path.relative_to(PACKAGE))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name == "snapshot":
                for arg in node.args[1:]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.setdefault(arg.value, where)
                    elif isinstance(arg, ast.Starred) and isinstance(arg.value, ast.Name):
                        for key in tuples.get(arg.value.id, []):
                            found.setdefault(key, where)
            for keyword in node.keywords:
                if keyword.arg not in ("before", "after"):
                    continue
                for inner in ast.walk(keyword.value):
                    if isinstance(inner, ast.Dict):
                        for key in inner.keys:
                            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                                found.setdefault(key.value, where)
    return found


def test_the_scan_finds_the_audited_fields():
    keys = audited_keys()
    assert {"population_bands", "fixed_half_days", "created_ids", "mode", "scheduler_cron"} <= set(keys)


def test_every_audited_field_has_a_label():
    missing = sorted(f"{where}: {key}" for key, where in audited_keys().items() if key not in FIELD_LABELS)
    assert not missing, "fields without a label in expertpool/labels.py FIELD_LABELS:\n" + "\n".join(missing)


def test_every_imported_member_field_has_a_label():
    assert all(name in FIELD_LABELS for name in (*WRITTEN_FIELDS, "parent_id"))
