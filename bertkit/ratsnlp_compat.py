"""Deprecated: moved to :mod:`bertkit.book.ratsnlp_compat`. This name works until bertkit 0.3."""

import sys

from ._deprecated import warn_moved

warn_moved("bertkit.ratsnlp_compat", "bertkit.book.ratsnlp_compat")

from .book import ratsnlp_compat as _moved  # noqa: E402

sys.modules[__name__] = _moved  # the same module object: its state (and monkeypatching) is shared
