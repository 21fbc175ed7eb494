"""Deprecated: moved to :mod:`bertkit.book.reviews`. This name works until bertkit 0.3."""

import sys

from ._deprecated import warn_moved

warn_moved("bertkit.reviews", "bertkit.book.reviews")

from .book import reviews as _moved  # noqa: E402

sys.modules[__name__] = _moved  # the same module object: its state (and monkeypatching) is shared
