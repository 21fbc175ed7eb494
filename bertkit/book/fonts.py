"""A Korean-capable matplotlib font for the book's figures (Hangul labels)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

__all__ = ["use_korean_font"]


def use_korean_font() -> str:
    """Register NanumGothic (shipped in ``koreanize-matplotlib``) and make it matplotlib's default font.

    Returns:
        The font family name now in use (``"NanumGothic"``).

    Raises:
        ImportError: koreanize-matplotlib is not installed (with the pip command).
    """
    import matplotlib
    from matplotlib import font_manager

    # We only take the font files: importing koreanize_matplotlib itself changes rcParams as a side effect
    # and imports distutils, which Python 3.12 no longer has.
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("No Korean font found: pip install koreanize-matplotlib")
    fonts = sorted(Path(next(iter(spec.submodule_search_locations)), "fonts").glob("NanumGothic*.ttf"))
    if not fonts:
        raise ImportError("koreanize-matplotlib has no NanumGothic*.ttf; reinstall it: pip install -U koreanize-matplotlib")
    for font in fonts:
        font_manager.fontManager.addfont(str(font))
    family = font_manager.FontProperties(fname=str(fonts[0])).get_name()
    matplotlib.rcParams["font.family"] = family
    matplotlib.rcParams["axes.unicode_minus"] = False  # NanumGothic has no U+2212 minus sign
    return family
