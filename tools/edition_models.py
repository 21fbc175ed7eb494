"""Which model the † values of the Colab and student editions came from (used by tools/editions.py).

`make book` runs each edition's chapters on its own model (BERTKIT_MODEL_KO / BERTKIT_MODEL_EN) and the book's
jupyter-cache records, per chapter, the model its outputs came from (tests/nbmake_cache.py). ``--glue-from-build``
keeps that name beside the chapter's glue values in colab/glue.json, under ``MODEL``, and the generated notebooks'
note says which model the values marked † are from.
"""

from __future__ import annotations

from pathlib import Path

MODEL = "† model"  # the key in a chapter's entry of colab/glue.json (glue names are identifiers: never this)
DEFAULT = {"en": "the default model (all-MiniLM-L6-v2)", "ko": "기본 모델(all-MiniLM-L6-v2)"}


def models_from_build(root: Path, cache: str) -> dict[str, dict[str, str]]:
    """``{"ko/01_tokenizer_inputs": {MODEL: name}}`` for every chapter nbmake ran into the cache at ``root/cache``:
    the name is the hub id, a folder's own name, or "" for the bundled model. Chapters without a record (a build
    that executed them itself) are left out, so nothing is claimed about them."""
    from jupyter_cache import get_cache

    if not (root / cache).exists():
        return {}
    found = {}
    for record in get_cache(str(root / cache)).list_cache_records():
        if record.data.get("executed_by") == "nbmake" and "model" in record.data:
            source, model = Path(record.uri), record.data["model"]
            name = Path(model).name if model and Path(model).is_dir() else model
            found[f"{source.parent.name}/{source.stem}"] = {MODEL: name}
    return found


def described(glue: dict[str, str], edition: str) -> str:
    """The model a chapter's † values came from, as the edition's note names it."""
    return f"`{glue[MODEL]}`" if glue.get(MODEL) else DEFAULT[edition]
