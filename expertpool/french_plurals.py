"""Writes the French catalogue, which holds only the plurals: French says "0 expert trouvé".

The msgids are French, so French needs no catalogue for its sentences; but without one gettext picks
the plural form with the English rule (n != 1) and writes "0 experts trouvés". This catalogue copies
each plural msgid into its own msgstr under the French rule (0 and 1 are singular). `make messages` runs it.
"""

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def french_plurals(template: Path, target: Path = TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po") -> int:
    with template.open("rb") as handle:
        extracted = read_po(handle)
    catalogue = Catalog(locale="fr", project="expertpool", fuzzy=False)
    for message in extracted:
        if message.id and message.pluralizable:
            # CLDR's French rule has a third form for millions ("1 000 000 de jours"): the plural will do.
            singular, plural = message.id[0], message.id[1]
            forms = (singular,) + (plural,) * (catalogue.num_plurals - 1)
            catalogue.add(message.id, string=forms, locations=message.locations)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        write_po(handle, catalogue, width=None, omit_header=False, sort_by_file=True)
    return len(catalogue)


if __name__ == "__main__":
    print(f"{french_plurals(Path(sys.argv[1]))} French plurals")
