"""Ships the top-level templates/, static/ and migrations/ folders inside the wheel.

They live at the top of the repository (the layout the team reads), and are installed as
`expertpool/templates`, `expertpool/static` and `expertpool/migrations` so that `pip install .`
gives a working app; `expertpool.resources` finds them in either place. The translation catalogues
are compiled (.po → .mo) into the build, since compiled catalogues are not kept in git.
"""

from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent

DATA_DIRS = {"expertpool.templates": "templates", "expertpool.static": "static", "expertpool.migrations": "migrations"}


class BuildPyWithCatalogues(build_py):
    """build_py, plus every expertpool/translations/*/LC_MESSAGES/*.po compiled next to its copy."""

    def run(self):
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po_path in sorted((ROOT / "expertpool" / "translations").glob("*/LC_MESSAGES/*.po")):
            target = Path(self.build_lib) / po_path.relative_to(ROOT).with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with po_path.open("rb") as source:
                catalog = read_po(source)
            with target.open("wb") as output:
                write_mo(output, catalog, use_fuzzy=True)  # as `make translations` does


setup(
    cmdclass={"build_py": BuildPyWithCatalogues},
    packages=find_packages(include=["expertpool", "expertpool.*"]) + list(DATA_DIRS),
    package_dir=DATA_DIRS,
    package_data={
        **{name: ["**/*"] for name in DATA_DIRS},
        "expertpool": ["translations/*/LC_MESSAGES/*", "demo_data/*.json", "demo_data/*.csv"],
    },
    include_package_data=True,
)
