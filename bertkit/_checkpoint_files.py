"""A checkpoint's own files, read the same way on every run (shared by the sentence recipe and the length limit).

A local folder is read as it is. For a hub id, a file is taken from the hub cache only when it is the file of
the revision the model was loaded from, and otherwise fetched with ``huggingface_hub``; offline, a file that is
neither cached nor known to be missing is an error, never a silent "no such file". So the answer never depends
on what other code (sentence-transformers, an earlier run) happened to leave in the cache.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from transformers import PreTrainedModel, PreTrainedTokenizerBase


class CheckpointFilesUnavailableError(OSError):
    """A hub checkpoint's file can't be read: offline, and the hub cache neither has it nor knows it is missing."""


def checkpoint_source(tokenizer: PreTrainedTokenizerBase | None, model: PreTrainedModel | None) -> str:
    """The folder or hub id the model (else the tokenizer) was loaded from; ``""`` for one built in memory."""
    for source in (getattr(getattr(model, "config", None), "_name_or_path", ""),
                   getattr(tokenizer, "name_or_path", "")):
        if source:
            return str(source)
    return ""


def _revision(model: PreTrainedModel | None) -> str | None:
    """The commit the model's files came from (transformers records it for hub checkpoints), else None."""
    return getattr(getattr(model, "config", None), "_commit_hash", None) or None


def checkpoint_file(source: str, filename: str, revision: str | None = None) -> Path | None:
    """Path of ``filename`` (``"1_Pooling/config.json"``) in the checkpoint ``source``; None if it has none.

    Raises:
        CheckpointFilesUnavailableError: ``source`` is a hub id, the hub can't be reached (or
            ``HF_HUB_OFFLINE=1``), and the cache holds neither the file nor the hub's answer that it is missing.
    """
    if not source:
        return None
    if os.path.isdir(source):
        path = Path(source) / filename
        return path if path.is_file() else None
    from huggingface_hub import hf_hub_download, try_to_load_from_cache
    from huggingface_hub.errors import (
        EntryNotFoundError,
        HFValidationError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
    )
    from huggingface_hub.file_download import _CACHED_NO_EXIST

    try:
        cached = try_to_load_from_cache(source, filename, revision=revision)
    except HFValidationError:
        return None  # not a folder and not a valid hub id: nothing to read
    if isinstance(cached, str):
        return Path(cached)
    if cached is _CACHED_NO_EXIST:
        return None  # the hub said so for this revision
    try:
        return Path(hf_hub_download(source, filename, revision=revision))
    except LocalEntryNotFoundError as error:  # offline and not cached (a subclass of EntryNotFoundError)
        unreachable: Exception = error
    except (EntryNotFoundError, RepositoryNotFoundError):
        return None  # the hub answered: no such file
    except Exception as error:  # no connection: the answer is unknown, so say so
        unreachable = error
    raise CheckpointFilesUnavailableError(
        f"Can't read {filename!r} of the hub checkpoint {source!r}: the hub is not reachable "
        f"({type(unreachable).__name__}) and the local cache does not say whether the file exists. Run once online, "
        f"or download the checkpoint (huggingface_hub.snapshot_download({source!r})) and pass its folder."
    ) from unreachable


def checkpoint_json(source: str, filename: str, revision: str | None = None) -> dict[str, Any] | None:
    """The JSON object in ``filename`` of the checkpoint, or None when the checkpoint has no such file."""
    path = checkpoint_file(source, filename, revision)
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"{path} is not valid JSON ({error}): the checkpoint's file is damaged.") from error
    if not isinstance(data, (dict, list)):
        raise ValueError(f"{path} holds {type(data).__name__}, not a JSON object or list.")
    return data  # type: ignore[return-value]


def model_files(tokenizer: PreTrainedTokenizerBase | None, model: PreTrainedModel | None) -> tuple[str, str | None]:
    """(source, revision) of the pair's checkpoint, for :func:`checkpoint_json`."""
    return checkpoint_source(tokenizer, model), _revision(model)
