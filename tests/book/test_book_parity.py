"""The two editions run the same code: same files, same code cells (comments aside), same labels."""

import pytest

from _book import BOOK, EDITIONS, LABEL, cells, markdown, notebooks, pages, source, strip_comments


def _names(edition):
    return {p.relative_to(BOOK / edition) for p in pages(edition)}


def test_every_page_has_a_partner():
    ko, en = _names("ko"), _names("en")
    assert ko, "the Korean edition has no pages"
    assert not ko ^ en, f"pages without a partner: {sorted(map(str, ko ^ en))}"


PAIRS = [(p, BOOK / "en" / p.relative_to(BOOK / "ko")) for p in notebooks("ko")]


@pytest.mark.parametrize(("ko", "en"), PAIRS, ids=[p.name for p, _ in PAIRS])
def test_code_cells_are_identical_apart_from_comments(ko, en):
    if not en.exists():
        pytest.fail(f"{en} is missing")
    ko_code = [c for c in cells(ko) if c["cell_type"] == "code"]
    en_code = [c for c in cells(en) if c["cell_type"] == "code"]
    assert len(ko_code) == len(en_code), f"{ko.name}: {len(ko_code)} code cells in ko, {len(en_code)} in en"
    for i, (a, b) in enumerate(zip(ko_code, en_code)):
        tags_a, tags_b = set(a["metadata"].get("tags", [])), set(b["metadata"].get("tags", []))
        assert tags_a == tags_b, f"{ko.name} code cell {i}: tags differ ({tags_a} vs {tags_b})"
        if "parameters" in tags_a:
            continue  # the one cell that may set the edition's own values (e.g. EDITION = "ko")
        assert strip_comments(source(a)) == strip_comments(source(b)), f"{ko.name} code cell {i} differs"


@pytest.mark.parametrize("name", sorted(map(str, _names("ko") & _names("en"))))
def test_labels_line_up(name):
    found = {}
    for edition in EDITIONS:
        labels = LABEL.findall(markdown(BOOK / edition / name))
        assert all(prefix == edition for prefix, _ in labels), f"{edition}/{name}: a label lacks the '{edition}-' prefix"
        found[edition] = sorted(label for _, label in labels)
    assert found["ko"] == found["en"], f"{name}: labels differ"
    assert found["ko"], f"{name} has no (label)= target"
