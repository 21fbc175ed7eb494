"""Make ratsnlp's document-classification data path work on today's transformers, torch and Lightning.

ratsnlp 1.0.53 pins ``transformers==4.28.1`` and ``pytorch-lightning==1.6.1``, so the book installs it alone
(``pip install --no-deps ratsnlp==1.0.53``) and keeps transformers 5. Call :func:`enable` before importing it::

    >>> from bertkit.book import ratsnlp_compat
    >>> ratsnlp_compat.enable()
    >>> from ratsnlp.nlpbook.classification import ClassificationDataset, NsmcCorpus  # now imports

What :func:`enable` supplies (nothing else is touched):

1. **transformers.optimization.AdamW**, which ``classification/task.py`` imports and transformers 5 removed:
   :class:`AdamW`, ``torch.optim.AdamW`` with the removed class's defaults (``eps=1e-6``, ``weight_decay=0.0``),
   present only while ratsnlp is imported.
2. **pytorch_lightning** (``Trainer``, ``LightningModule``, ``callbacks.ModelCheckpoint``): the installed package
   as it is; else ``lightning.pytorch`` under the old name; else stand-ins that raise
   :class:`LightningUnavailableError` when used. The dataset path never uses them. ratsnlp's ``get_trainer``
   passes ``gpus=`` and ``tpu_cores=``, which Lightning 2 removed: train with plain PyTorch (chapter 6).
3. **flask** (``classification/deploy.py``): the installed package, else stand-ins raising
   :class:`FlaskUnavailableError`. Stand-ins and aliases are in ``sys.modules`` only during the import.
4. **The tokenizer call in ClassificationDataset**: ratsnlp passes ``[(text_a, None), ...]``, which transformers 5
   refuses (``TextInputSequence must be str``); :func:`convert_examples_to_features` passes two lists instead. It
   becomes ratsnlp's converter and ``ClassificationDataset``'s default: the only change that stays.

Not patched: ``ClassificationDataset``'s feature cache (``torch.load`` refuses its dataclasses on torch >= 2.6, and
its key ignores the checkpoint). Pass ``overwrite_cache=True`` and give ratsnlp a scratch copy of the data folder.

:func:`enable` is idempotent; :func:`disable` undoes it.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import logging
import sys
import time
import types
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch

_TARGET = "ratsnlp.nlpbook.classification"
_STATE: dict[str, Any] = {}  # what enable() changed, so that disable() can put it back

logger = logging.getLogger("ratsnlp")  # ratsnlp's own logger, so its log messages stay where they were


class LightningUnavailableError(ImportError):
    """A ratsnlp class that needs PyTorch Lightning was used while Lightning is not installed."""


class FlaskUnavailableError(ImportError):
    """ratsnlp's web demo was used while flask is not installed."""


class AdamW(torch.optim.AdamW):
    """``torch.optim.AdamW`` with the defaults of the ``transformers.optimization.AdamW`` that ratsnlp imports.

    transformers 5 removed its own AdamW; the PyTorch one computes the same update (bias-corrected Adam with
    decoupled weight decay) but defaults to ``eps=1e-8`` and ``weight_decay=0.01``.

    Args:
        params, lr, betas, eps, weight_decay: as in ``torch.optim.AdamW``.
        correct_bias: only True (what ratsnlp uses) is supported.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        correct_bias: bool = True,
        no_deprecation_warning: bool = False,
    ) -> None:
        if not correct_bias:
            raise ValueError("correct_bias=False (Adam without bias correction) is not supported by torch.optim.AdamW.")
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)


def _unavailable(name: str, package: str, error: type[ImportError], hint: str) -> type:
    """A class that can be subclassed and imported but raises ``error`` when instantiated."""

    def __init__(self, *args, **kwargs):
        raise error(
            f"ratsnlp's {name} needs {package}, which is not installed: bertkit.book.ratsnlp_compat gave ratsnlp "
            f"a stand-in so that its data classes import. {hint}"
        )

    attrs = {"__init__": __init__, "__module__": __name__, "__doc__": f"Stand-in for {package}'s {name}."}
    return type(name, (), attrs)


_LIGHTNING_HINT = (
    "Train with plain PyTorch (see the book's chapter 6), or install a current Lightning "
    "(pip install 'pytorch-lightning>=2') and build your own Trainer: ratsnlp's get_trainer() passes "
    "gpus= and tpu_cores=, which Lightning 2 removed."
)


def _stand_in(name: str, **attrs: Any) -> types.ModuleType:
    module = types.ModuleType(name, f"Stand-in made by bertkit.book.ratsnlp_compat while importing ratsnlp; not {name}.")
    module.__spec__ = importlib.machinery.ModuleSpec(name, loader=None)
    module.__dict__.update(attrs)
    return module


def _lightning_modules() -> tuple[dict[str, types.ModuleType], str]:
    """The modules to offer as ``pytorch_lightning`` (none when it is installed) and a description."""
    if importlib.util.find_spec("pytorch_lightning") is not None:
        return {}, "installed, used as it is"
    if importlib.util.find_spec("lightning") is not None:
        pl = importlib.import_module("lightning.pytorch")
        return (
            {
                "pytorch_lightning": pl,
                "pytorch_lightning.callbacks": importlib.import_module("lightning.pytorch.callbacks"),
            },
            "lightning.pytorch offered under the old name during the import",
        )
    err = LightningUnavailableError
    checkpoint = _unavailable("ModelCheckpoint", "PyTorch Lightning", err, _LIGHTNING_HINT)
    callbacks = _stand_in("pytorch_lightning.callbacks", ModelCheckpoint=checkpoint)
    pl = _stand_in(
        "pytorch_lightning",
        Trainer=_unavailable("Trainer", "PyTorch Lightning", err, _LIGHTNING_HINT),
        LightningModule=_unavailable("LightningModule", "PyTorch Lightning", err, _LIGHTNING_HINT),
        callbacks=callbacks,
    )
    return (
        {"pytorch_lightning": pl, "pytorch_lightning.callbacks": callbacks},
        "not installed; stand-in Trainer, LightningModule, callbacks.ModelCheckpoint "
        "(raise LightningUnavailableError when used) during the import",
    )


def _flask_modules() -> tuple[dict[str, types.ModuleType], str]:
    if importlib.util.find_spec("flask") is not None:
        return {}, "installed, used as it is"
    hint = "Install it (pip install flask) to run ratsnlp's web demo."

    def fail(*args, **kwargs):
        raise FlaskUnavailableError(f"ratsnlp's web demo needs flask, which is not installed. {hint}")

    flask = _stand_in(
        "flask",
        Flask=_unavailable("Flask", "flask", FlaskUnavailableError, hint),
        request=None,
        jsonify=fail,
        render_template=fail,
    )
    return {"flask": flask}, "not installed; stand-in Flask, request, jsonify, render_template during the import"


@contextmanager
def _temporarily(
    modules: dict[str, types.ModuleType], optimization: types.ModuleType, adamw: type | None
) -> Iterator[None]:
    """Put ``modules`` into ``sys.modules`` (and AdamW into transformers.optimization), then take them out."""
    saved = {name: sys.modules.get(name) for name in modules}
    sys.modules.update(modules)
    if adamw is not None:
        optimization.AdamW = adamw  # type: ignore[attr-defined]  # supplied on purpose, removed below
    try:
        yield
    finally:
        if adamw is not None and optimization.__dict__.get("AdamW") is adamw:
            del optimization.AdamW
        for name, previous in saved.items():
            if previous is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = previous


def convert_examples_to_features(examples: Sequence, tokenizer, args, label_list: Sequence[str]) -> list:
    """ratsnlp's ``_convert_examples_to_classification_features``, with a tokenizer call transformers 5 accepts.

    Args:
        examples: ratsnlp ``ClassificationExample`` objects (``text_a``, optional ``text_b``, ``label``).
        tokenizer: the checkpoint's tokenizer. args: a ``ClassificationTrainArguments`` (``max_seq_length``).
        label_list: the corpus's labels as strings (``corpus.get_labels()``); their position is the label id.

    Returns:
        One ``ClassificationFeatures`` per example: ``input_ids``, ``attention_mask``, ``token_type_ids``
        (each a list of ``max_seq_length`` ints, padded) and ``label`` (an int).
    """
    from ratsnlp.nlpbook.classification.corpus import ClassificationFeatures

    label_map = {label: i for i, label in enumerate(label_list)}
    labels = [label_map[example.label] for example in examples]
    texts = [example.text_a for example in examples]
    seconds = [example.text_b for example in examples]
    pairs: list | None = None if all(p is None for p in seconds) else seconds
    if pairs is not None and any(p is None for p in pairs):
        raise ValueError("Some examples have a second sentence (text_b) and some don't: give all or none.")

    logger.info("tokenize sentences, it could take a lot of time...")
    start = time.time()
    batch_encoding = tokenizer(texts, pairs, max_length=args.max_seq_length, padding="max_length", truncation=True)
    logger.info("tokenize sentences [took %.3f s]", time.time() - start)

    fields = ("input_ids", "attention_mask", "token_type_ids")  # what ClassificationFeatures holds
    features = [
        ClassificationFeatures(**{k: batch_encoding[k][i] for k in fields if k in batch_encoding}, label=labels[i])
        for i in range(len(examples))
    ]
    for example, feature in zip(examples[:5], features):
        logger.info("*** Example ***")
        pair = example.text_a if example.text_b is None else f"{example.text_a} + {example.text_b}"
        logger.info("sentence: %s", pair)
        logger.info("tokens: %s", " ".join(tokenizer.convert_ids_to_tokens(feature.input_ids)))
        logger.info("label: %s", example.label)
    return features


def is_enabled() -> bool:
    """Whether :func:`enable` has run (and :func:`disable` has not undone it)."""
    return bool(_STATE)


def enable() -> dict[str, str]:
    """Import ``ratsnlp.nlpbook.classification`` on current transformers, torch and Lightning (see the module doc).

    Call it before importing from ratsnlp; calling it again does nothing.

    Returns:
        What was supplied, one line per item: ``{"transformers.optimization.AdamW": "...", "pytorch_lightning":
        "...", "flask": "...", "ClassificationDataset": "..."}``.

    Raises:
        ImportError: ratsnlp is not installed (with the pip command).
    """
    if _STATE:
        return dict(_STATE["report"])
    if importlib.util.find_spec("ratsnlp") is None:
        raise ImportError(
            "ratsnlp is not installed. Install it without its old pins: pip install --no-deps ratsnlp==1.0.53"
        )
    import transformers.optimization as optimization

    report: dict[str, str] = {}
    adamw = None
    if "AdamW" in optimization.__dict__:
        report["transformers.optimization.AdamW"] = "present in this transformers, used as it is"
    else:
        adamw = AdamW
        report["transformers.optimization.AdamW"] = (
            "bertkit.book.ratsnlp_compat.AdamW (torch.optim.AdamW, eps=1e-6, weight_decay=0.0) during the import"
        )
    lightning, report["pytorch_lightning"] = _lightning_modules()
    flask, report["flask"] = _flask_modules()

    with _temporarily({**lightning, **flask}, optimization, adamw):
        importlib.import_module(_TARGET)

    from ratsnlp.nlpbook.classification import corpus

    init = corpus.ClassificationDataset.__init__
    _STATE.update(
        report=report,
        converter=corpus._convert_examples_to_classification_features,
        defaults=init.__defaults__,
    )
    corpus._convert_examples_to_classification_features = convert_examples_to_features
    init.__defaults__ = tuple(
        convert_examples_to_features if d is _STATE["converter"] else d for d in init.__defaults__ or ()
    )
    report["ClassificationDataset"] = "tokenizes with bertkit.book.ratsnlp_compat.convert_examples_to_features"
    return dict(report)


def disable() -> None:
    """Undo :func:`enable`: restore ratsnlp's converter and drop the imported ratsnlp modules from ``sys.modules``."""
    if not _STATE:
        return
    corpus = sys.modules.get("ratsnlp.nlpbook.classification.corpus")
    if corpus is not None:
        corpus._convert_examples_to_classification_features = _STATE["converter"]  # type: ignore[attr-defined]
        corpus.ClassificationDataset.__init__.__defaults__ = _STATE["defaults"]
    for name in [n for n in sys.modules if n == "ratsnlp" or n.startswith("ratsnlp.")]:
        del sys.modules[name]
    _STATE.clear()


__all__ = [
    "AdamW",
    "FlaskUnavailableError",
    "LightningUnavailableError",
    "convert_examples_to_features",
    "disable",
    "enable",
    "is_enabled",
]
