"""Ships the top-level templates/, static/ and migrations/ folders inside the wheel.

They live at the top of the repository (the layout the team reads), and are installed as
`expertpool/templates`, `expertpool/static` and `expertpool/migrations` so that `pip install .`
gives a working app; `expertpool.resources` finds them in either place.
"""

from setuptools import find_packages, setup

DATA_DIRS = {"expertpool.templates": "templates", "expertpool.static": "static",
             "expertpool.migrations": "migrations"}

setup(
    packages=find_packages(include=["expertpool", "expertpool.*"]) + list(DATA_DIRS),
    package_dir=DATA_DIRS,
    package_data={
        **{name: ["**/*"] for name in DATA_DIRS},
        "expertpool": ["translations/*/LC_MESSAGES/*", "demo/*.csv"],
    },
    include_package_data=True,
)
