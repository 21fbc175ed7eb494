"""Deprecated: moved to :mod:`bertkit.book.notebook`. This name works until bertkit 0.3."""

import sys

from ._deprecated import warn_moved

warn_moved("bertkit.notebook", "bertkit.book.notebook")

from .book import notebook as _moved  # noqa: E402

sys.modules[__name__] = _moved  # the same module object: its state (and monkeypatching) is shared
