"""Command line: ``python -m bertkit extract corpus.txt -o vectors.npy --layers -4: --pooling mean``.

Every error the user can fix (a missing file, an empty corpus, an unknown pooling mode or layer, a text
that is too long) ends with exit code 2 and a one-line message on stderr, not a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TextIO

from .extract_setup import DTYPE
from .long_texts import LONG_TEXTS
from .pooling import POOLING

_SHAPE_HELP = """\
output: a NumPy .npy file holding one float array of shape (n_texts, n_layers, hidden):
  row i is line i of the corpus, axis 1 follows --layers in the order given
  (1 for a single layer: nothing is squeezed), hidden is the model's hidden size.
  Read it with numpy.load("vectors.npy") (add mmap_mode="r" for big files).

--layers: hidden state indices, 0 = the embedding layer, -1 = the last layer:
  -1          the last layer                 (n_layers = 1)
  -4:         the last four, as in x[-4:]    (n_layers = 4)
  0,3,6       a list
  all         every hidden state             (n_layers = num_hidden_layers + 1)

example:
  python -m bertkit extract corpus.txt -o vectors.npy --layers -4: --pooling mean
  cat corpus.txt | python -m bertkit extract - -o vectors.npy --output-dtype float16
"""


class UsageError(Exception):
    """A mistake in the command line or its input: reported in one line, exit code 2."""


def parse_layers(spec: str) -> int | list[int] | slice | str:
    """Turn ``"-1"``, ``"-4:"``, ``"2:5"``, ``"0,3,6"`` or ``"all"`` into what ``extract(layers=...)`` takes."""
    text = spec.strip()
    try:
        if text == "all":
            return "all"
        if ":" in text:
            parts = text.split(":")
            if len(parts) > 3:
                raise ValueError
            start, stop, *step = (int(p) if p.strip() else None for p in parts)
            return slice(start, stop, step[0] if step else None)
        if "," in text:
            return [int(p) for p in text.split(",")]
        return int(text)
    except ValueError:
        raise UsageError(
            f"--layers {spec!r} is not a layer spec: use an index (-1), a slice (-4:), a list (0,3,6) or 'all'."
        ) from None


def _lines(stream: TextIO, name: str) -> Iterator[str]:
    """The corpus, one text per line (the newline removed); a blank line is an error with its number."""
    for number, line in enumerate(stream, start=1):
        text = line.rstrip("\r\n")
        if not text.strip():
            raise UsageError(f"line {number} of {name} is empty: the corpus must have one text on each line.")
        yield text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bertkit", description="bertkit: vectors out of BERT-style encoders.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    extract = commands.add_parser(
        "extract",
        help="write a vector per line of a text file to a .npy file",
        description="Write one vector per line of CORPUS (per layer asked for) to a .npy file.",
        epilog=_SHAPE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    extract.add_argument("corpus", help="text file, UTF-8, one text per line; '-' reads standard input")
    extract.add_argument("-o", "--output", required=True, metavar="VECTORS.npy", help="where to write the array")
    extract.add_argument("--layers", default="-1", help="which hidden states: -1, -4:, 0,3,6 or all (default: -1)")
    extract.add_argument("--pooling", default="auto", choices=("auto", *POOLING), help="how tokens become one vector: auto (default) is the checkpoint's own sentence recipe (pooling, normalization, default prompt), as sentence-transformers encodes")
    extract.add_argument("--prompt-name", default=None, help="the checkpoint's prompt to put before every line, e.g. query or passage for e5")
    extract.add_argument("--checkpoint", default=None, help="hub id or local directory (default: $BERTKIT_MODEL, else the bundled all-MiniLM-L6-v2)")
    extract.add_argument("--batch-size", type=int, default=32, help="texts per forward pass (default: 32)")
    extract.add_argument("--max-length", type=int, default=None, help="longest input in tokens (default: the model's limit)")
    extract.add_argument("--long-texts", default="error", choices=LONG_TEXTS, help="a text longer than --max-length: fail (error, default), cut it and warn (truncate), or read it whole in overlapping windows pooled into one vector (chunk)")
    extract.add_argument("--stride", type=int, default=0, help="with --long-texts chunk: tokens two consecutive windows share (default: 0)")
    extract.add_argument("--dtype", default="float32", choices=DTYPE, help="how the encoder computes: float32 (default), bfloat16 or int8 (need the fast extra; see bertkit.fast)")
    extract.add_argument("--output-dtype", default="float32", choices=("float32", "float16"), help="dtype of the written array; float16 halves the file (default: float32)")
    extract.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser


def _join_negative_values(argv: Sequence[str]) -> list[str]:
    """``--layers -4:`` -> ``--layers=-4:``: argparse would take ``-4:`` for an option."""
    joined, args = [], list(argv)
    i = 0
    while i < len(args):
        if args[i] == "--layers" and i + 1 < len(args) and args[i + 1].startswith("-"):
            joined.append(f"--layers={args[i + 1]}")
            i += 2
        else:
            joined.append(args[i])
            i += 1
    return joined


def run_extract(args: argparse.Namespace) -> int:
    from .extraction import extract

    layers = parse_layers(args.layers)
    if args.corpus != "-" and not os.path.isfile(args.corpus):
        raise UsageError(f"corpus file {args.corpus!r} does not exist.")
    out_dir = os.path.dirname(os.path.abspath(args.output))
    if not os.path.isdir(out_dir):
        raise UsageError(f"the folder of --output {args.output!r} does not exist.")
    name = "standard input" if args.corpus == "-" else args.corpus
    stream = sys.stdin if args.corpus == "-" else open(args.corpus, encoding="utf-8")
    try:
        lines = _lines(stream, name)
        first = next(lines, None)
        if first is None:
            raise UsageError(f"{name} has no text: give one text per line.")

        def corpus() -> Iterator[str]:
            yield first
            yield from lines

        vectors = extract(
            corpus(),
            checkpoint=args.checkpoint,
            layers=layers,
            pooling=args.pooling,
            prompt_name=args.prompt_name,
            batch_size=args.batch_size,
            max_length=args.max_length,
            long_texts=args.long_texts,
            stride=args.stride,
            dtype=args.dtype,
            output_dtype=args.output_dtype,
            out=args.output,
            progress=not args.no_progress,
        )
    finally:
        if stream is not sys.stdin:
            stream.close()
    n, k, hidden = vectors.shape
    print(f"wrote {args.output}: {vectors.dtype} array of shape ({n}, {k}, {hidden}) = (texts, layers, hidden)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m bertkit`` and of the ``bertkit`` script. Returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(_join_negative_values(sys.argv[1:] if argv is None else argv))
    try:
        return run_extract(args)
    except (UsageError, ValueError, TypeError, IndexError, KeyError, OSError, UnicodeDecodeError) as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else err  # a KeyError's str() adds quotes
        print(f"{parser.prog} {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{parser.prog} {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
