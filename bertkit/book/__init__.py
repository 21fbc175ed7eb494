"""The book's own helpers, kept out of bertkit's core (which never imports this package).

    >>> from bertkit.book import glue, load_reviews, use_korean_font
    >>> texts, labels = load_reviews("ko", "train")          # the book's small labelled review set
    >>> from bertkit.book import ratsnlp_compat              # ratsnlp's data path on today's libraries

Modules: :mod:`~bertkit.book.notebook` (``glue``: numbers from a run into the prose),
:mod:`~bertkit.book.reviews` (the review data set), :mod:`~bertkit.book.fonts` (a Korean-capable matplotlib
font), :mod:`~bertkit.book.ratsnlp_compat` (imported on demand), ``bertkit.book.check`` (the exercises'
answer checks) and :mod:`~bertkit.book.grade` (grades students' notebooks: ``python -m bertkit.book.grade``).
"""

from .fonts import use_korean_font
from .notebook import glue
from .reviews import LANGS, SPLITS, load_reviews, reviews_dir

__all__ = ["LANGS", "SPLITS", "glue", "load_reviews", "reviews_dir", "use_korean_font"]
