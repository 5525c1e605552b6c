"""Folding a text for the forgiving search: case, accents, ligatures and punctuation do not matter."""

from expertpool.text_search import fold, terms


def test_fold_removes_case_accents_ligatures_and_punctuation():
    assert fold("Soizic GUÉGUEN") == "soizic gueguen"
    assert fold("Cœur-de-Bretagne", "L’Île-Tudy") == "coeur de bretagne l ile tudy"
    assert fold(None, "", "  Base de données ") == "base de donnees"


def test_terms_drop_french_stop_words_unless_nothing_else_is_left():
    assert terms("base de données") == ["base", "donnees"]
    assert terms("de la") == ["de", "la"]
    assert terms("gueguen Gueguen GUÉGUEN") == ["gueguen"]
    assert terms("   ") == []
    assert terms("%_'") == []
