"""The checkpoint's own sentence recipe: how its sentence-transformers pipeline turns token vectors into one vector.

A checkpoint made for sentence vectors ships a sentence-transformers configuration beside its weights:

- ``modules.json``: the modules in order (``Transformer``, ``Pooling``, optionally ``Normalize``);
- ``1_Pooling/config.json`` (the Pooling module's folder): the pooling mode (``cls`` for bge-m3, ``mean`` for e5);
- ``sentence_bert_config.json``: ``max_seq_length``, the length sentence-transformers truncates to;
- ``config_sentence_transformers.json``: ``prompts`` (e.g. ``{"query": "query: ", "passage": "passage: "}``)
  and ``default_prompt_name``.

:func:`sentence_recipe` reads those files, from the checkpoint's folder or, for a hub id, the files of the
revision the model was loaded from (see :mod:`bertkit._checkpoint_files`). A checkpoint without
``modules.json`` gets bertkit's default (mean pooling over the attention mask, no normalization, no prompt),
which is also what ``SentenceTransformer`` builds for such a checkpoint; the recipe says which case it is.

    >>> recipe = sentence_recipe(tokenizer, model)        # the bundled all-MiniLM-L6-v2
    >>> recipe.pooling, recipe.normalize, recipe.max_length
    ('mean', True, 256)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from transformers import PreTrainedModel, PreTrainedTokenizerBase

from ._checkpoint_files import checkpoint_json, model_files

__all__ = ["DEFAULT_POOLING", "SentenceRecipe", "UnsupportedRecipeError", "sentence_recipe"]

DEFAULT_POOLING = "mean"
"""bertkit's pooling for a checkpoint without a sentence-transformers configuration."""

# sentence-transformers' pooling names -> bertkit's (bertkit.pool); the others have no bertkit equivalent
_ST_POOLING = {"cls": "cls", "mean": "mean", "max": "max", "mean_sqrt_len_tokens": "mean_sqrt_len"}
_LEGACY_KEYS = {  # sentence-transformers < 5 wrote one boolean per mode, in this order
    "pooling_mode_cls_token": "cls",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
    "pooling_mode_weightedmean_tokens": "weightedmean",
    "pooling_mode_lasttoken": "lasttoken",
}


class UnsupportedRecipeError(ValueError):
    """The checkpoint's sentence-transformers pipeline has a step bertkit does not reproduce (a Dense layer, ...)."""


@dataclass(frozen=True)
class SentenceRecipe:
    """How a checkpoint makes sentence vectors.

    Attributes:
        pooling: one of bertkit's pooling modes (``"cls"``, ``"mean"``, ``"max"``, ``"mean_sqrt_len"``).
        normalize: True when the pipeline ends with a ``Normalize`` module (vectors of length 1).
        max_length: ``max_seq_length`` from ``sentence_bert_config.json`` (tokens, special tokens included),
            the length sentence-transformers truncates to, or None when that file does not set it: then
            sentence-transformers reads the tokenizer's ``model_max_length``, as :func:`bertkit.max_input_length`
            does (sentence-transformers 5 and later save ``max_seq_length`` there).
        prompts: prompt name -> text put before every input (e5: ``{"query": "query: ", ...}``); may be empty.
        default_prompt_name: the prompt sentence-transformers applies when none is asked for, or None.
        from_checkpoint: True when read from the checkpoint's files; False for bertkit's default.
        source: where it came from, in words (the files read, or why bertkit's default applies).
    """

    pooling: str = DEFAULT_POOLING
    normalize: bool = False
    max_length: int | None = None
    prompts: dict[str, str] = field(default_factory=dict)
    default_prompt_name: str | None = None
    from_checkpoint: bool = False
    source: str = "bertkit's default: mean pooling, no normalization, no prompt"

    def prompt(self, name: str | None = None) -> str:
        """The text to put before each input: ``prompts[name]``, else the default prompt, else ``""``.

        Raises:
            KeyError: ``name`` is not one of this checkpoint's prompts (the message lists them).
        """
        if name is None:
            return self.prompts.get(self.default_prompt_name, "") if self.default_prompt_name else ""
        if name not in self.prompts:
            raise KeyError(f"This checkpoint has no prompt {name!r}; its prompts: {sorted(self.prompts) or 'none'}.")
        return self.prompts[name]


def _pooling_mode(config: dict[str, Any], where: str) -> str:
    """bertkit's name for the Pooling module's mode, from either config layout sentence-transformers writes."""
    mode = config.get("pooling_mode")
    if mode is None:
        active = [name for key, name in _LEGACY_KEYS.items() if config.get(key)]
        mode = active if len(active) != 1 else active[0]
        if not active:
            mode = "mean"  # sentence-transformers' default when no mode is switched on
    if isinstance(mode, (list, tuple)):
        mode = mode[0] if len(mode) == 1 else tuple(mode)
    if not isinstance(mode, str) or mode not in _ST_POOLING:
        raise UnsupportedRecipeError(
            f"{where} pools with {mode!r}; bertkit.pool has {tuple(_ST_POOLING.values())} (sentence-transformers "
            "names: cls, mean, max, mean_sqrt_len_tokens). Use sentence-transformers for this checkpoint."
        )
    if config.get("include_prompt") is False:
        raise UnsupportedRecipeError(
            f"{where} leaves the prompt's tokens out of pooling (include_prompt=false), which bertkit does not do. "
            "Use sentence-transformers for this checkpoint."
        )
    return _ST_POOLING[mode]


def _module_kind(entry: dict[str, Any]) -> str:
    """``Transformer``, ``Pooling``, ``Normalize``, ... from a modules.json ``type`` (any module path)."""
    return str(entry.get("type", "")).rsplit(".", 1)[-1]


def sentence_recipe(tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel) -> SentenceRecipe:
    """The checkpoint's own sentence recipe, read from its sentence-transformers files.

    Args:
        tokenizer: the checkpoint's tokenizer.
        model: the checkpoint's model; its ``config._name_or_path`` (else the tokenizer's ``name_or_path``)
            names the folder or hub id whose files are read.

    Returns:
        A :class:`SentenceRecipe`. Without ``modules.json``: bertkit's default (``"mean"``, no normalization,
        no prompt, ``max_length=None``) with ``from_checkpoint=False`` and ``source`` saying why.

    Raises:
        UnsupportedRecipeError: the pipeline has a module bertkit does not reproduce (``Dense``, ``LayerNorm``,
            ``WordWeights``, a pooling mode such as ``weightedmean``, several modes at once, a prompt left out
            of pooling). Use sentence-transformers itself for such a checkpoint.
        bertkit._checkpoint_files.CheckpointFilesUnavailableError: a hub checkpoint offline whose
            sentence-transformers files were never downloaded (the answer would depend on the cache).
    """
    source, revision = model_files(tokenizer, model)
    modules = checkpoint_json(source, "modules.json", revision) if source else None
    if not modules:
        why = f"{source} has no modules.json" if source else "the model was not loaded from files"
        return SentenceRecipe(source=f"bertkit's default (mean pooling, no normalization, no prompt): {why}")
    if not isinstance(modules, list):
        raise ValueError(f"modules.json of {source} is not a list of modules.")
    pooling, normalize, max_length, read = None, False, None, ["modules.json"]
    for entry in modules:
        kind, path = _module_kind(entry), str(entry.get("path", "")).strip("/")
        if kind == "Transformer":
            name = f"{path}/sentence_bert_config.json" if path else "sentence_bert_config.json"
            config = checkpoint_json(source, name, revision) or {}
            if config:
                read.append(name)
            max_length = int(config["max_seq_length"]) if config.get("max_seq_length") else None
        elif kind == "Pooling" and pooling is None:
            name = f"{path}/config.json"
            config = checkpoint_json(source, name, revision)
            if config is None:
                raise ValueError(f"{source}'s modules.json names a Pooling module in {path!r} but {name} is missing.")
            pooling = _pooling_mode(config, f"{source}/{name}")
            read.append(name)
        elif kind == "Normalize" and pooling is not None:
            normalize = True
        else:
            raise UnsupportedRecipeError(
                f"{source}'s sentence-transformers pipeline has a {kind or entry!r} module at this point, which "
                "bertkit does not reproduce (it does Transformer, Pooling, Normalize). Use sentence-transformers "
                "for this checkpoint's sentence vectors."
            )
    if pooling is None:
        raise UnsupportedRecipeError(f"{source}'s modules.json has no Pooling module: it does not make one vector "
                                     "per text. Choose a pooling yourself (bertkit.pool).")
    settings = checkpoint_json(source, "config_sentence_transformers.json", revision) or {}
    if settings:
        read.append("config_sentence_transformers.json")
    prompts = {str(k): str(v) for k, v in (settings.get("prompts") or {}).items()}
    default = settings.get("default_prompt_name") or None
    return SentenceRecipe(pooling=pooling, normalize=normalize, max_length=max_length, prompts=prompts,
                          default_prompt_name=default, from_checkpoint=True, source=f"{source}: {', '.join(read)}")
