"""Each edition of the built book shows what its own model printed (a model per edition, in one build).

The book's jupyter-cache records the model each chapter ran on (tests/nbmake_cache.py, BERTKIT_MODEL_KO /
BERTKIT_MODEL_EN). Chapter 1 glues the model's vocabulary and hidden sizes and its example sentence; for each
edition, the values the build stored must be those of the model its record names, read from that model's own
files here, and a Korean chapter run on a tokenizer that keeps Hangul must show a Korean sentence. `make test`
builds its book with the Korean chapters on the RoBERTa test checkpoint (Hangul-reading) and the English ones on
the bundled model, so this test sees two models in one build. Needs a built book (`make book` or `make test`).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from _browser import BUILD, unavailable

BOOK_ROOT = BUILD.parent.parent.resolve()  # the folder the book was built from (the repository, for `make book`)
CACHE = BUILD.parent / ".jupyter_cache"
EXECUTED = BUILD.parent / "jupyter_execute"
CHAPTER = "01_tokenizer_inputs"
HANGUL = re.compile("[\uac00-\ud7a3]")


def recorded_models() -> dict[str, str]:
    """Edition -> the one model its chapters' outputs came from (fails if an edition mixes models)."""
    from jupyter_cache import get_cache

    by_edition: dict[str, set[str]] = {}
    for record in get_cache(str(CACHE)).list_cache_records():
        uri = Path(record.uri).resolve()
        parts = uri.relative_to(BOOK_ROOT).parts if uri.is_relative_to(BOOK_ROOT) else ()
        if len(parts) == 3 and parts[0] == "book" and record.data.get("executed_by") == "nbmake":
            by_edition.setdefault(parts[1], set()).add(record.data.get("model", ""))
    mixed = {ed: models for ed, models in by_edition.items() if len(models) > 1}
    assert not mixed, f"one edition's chapters came from several models: {mixed}"
    return {edition: models.pop() for edition, models in by_edition.items()}


def glued(edition: str) -> dict[str, str]:
    stored = json.loads((EXECUTED / "book" / edition / f"{CHAPTER}.glue.json").read_text(encoding="utf-8"))
    values = {}
    for name, output in stored.items():
        text = output.get("data", {}).get("text/plain", "")
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = text
        values[name] = str(value)
    return values


@pytest.fixture(scope="module")
def models() -> dict[str, str]:
    if not (BUILD / "index.html").exists() or not CACHE.exists():
        unavailable(f"No built book with its cache in {BUILD.parent}: run `make book` first.")
    found = recorded_models()
    if not {"ko", "en"} <= found.keys():
        unavailable(f"the cache in {CACHE} holds no nbmake run of both editions (was the book built by `make book`?)")
    return found


@pytest.mark.parametrize("edition", ["ko", "en"])
def test_chapter_1_shows_the_numbers_of_its_editions_model(models, edition):
    from transformers import AutoConfig, AutoTokenizer

    from bertkit import reads_hangul
    from bertkit.loading import bundled_model_path

    source = models[edition] or str(bundled_model_path())
    config = AutoConfig.from_pretrained(source, local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
    values = glued(edition)
    shown = (values.get("ch1_hidden"), values.get("ch1_vocab"))
    expected = (str(config.hidden_size), f"{len(tokenizer):,}")
    assert shown == expected, (
        f"book/{edition}/{CHAPTER}: the built page shows hidden size and vocabulary {shown}, but its record says it "
        f"ran on {models[edition] or 'the bundled model'}, which has {expected}"
    )
    korean = bool(HANGUL.search(values.get("ch1_sentence", "")))
    assert korean == (edition == "ko" and reads_hangul(tokenizer)), (
        f"book/{edition}/{CHAPTER}: example sentence {values.get('ch1_sentence')!r} on "
        f"{models[edition] or 'the bundled model'} (reads Hangul: {reads_hangul(tokenizer)})"
    )
