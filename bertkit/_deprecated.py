"""Old names that still work for one release (until bertkit 0.3), each with one DeprecationWarning."""

from __future__ import annotations

import os
import sys
import warnings
from types import FrameType

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))

_WARNED: set[str] = set()
"""Old names already warned about in this process: a notebook that calls ``bertkit.glue`` fifty times gets one
warning, not fifty. Tests that check a warning clear this first."""


def _caller_stacklevel() -> int:
    """The stacklevel of the first frame outside bertkit and the import machinery (the reader's code)."""
    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None:
        filename = frame.f_code.co_filename
        if "importlib" in filename and "_bootstrap" in filename:
            frame = frame.f_back  # warnings.warn skips (and does not count) the import machinery's frames too
            continue
        if not os.path.abspath(filename).startswith(_PACKAGE_DIR + os.sep):
            return level
        frame, level = frame.f_back, level + 1
    return level


def warn_once(old: str, message: str) -> None:
    """Warn (DeprecationWarning) that ``old`` is deprecated, once per process, at the reader's line."""
    if old in _WARNED:
        return
    _WARNED.add(old)
    warnings.warn(message, DeprecationWarning, stacklevel=_caller_stacklevel())


def warn_moved(old: str, new: str) -> None:
    """``old`` moved to ``new``."""
    warn_once(old, f"{old} moved to {new}; the old name works until bertkit 0.3. Use {new}.")


def warn_renamed_argument(function: str, old: str, new: str) -> None:
    """Argument ``old`` of ``function`` is now called ``new``."""
    warn_once(
        f"{function}({old}=)",
        f"{function}({old}=...) is now {function}({new}=...); the old name works until bertkit 0.3.",
    )


def renamed_argument(function: str, new: str, new_value: str, old: str, old_value: str | None, default: str) -> str:
    """The value of an argument renamed in 0.2: ``new_value``, or ``old_value`` (with a warning) when the
    caller used the old keyword.

    Raises:
        TypeError: both names given.
    """
    if old_value is None:
        return new_value
    if new_value != default:
        raise TypeError(f"{function}() got both {new}= and its old name {old}=: pass {new}= only.")
    warn_renamed_argument(function, old, new)
    return old_value
