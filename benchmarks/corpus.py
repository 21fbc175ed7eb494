"""The benchmark's corpus: generated texts of mixed length from a fixed word list, the same for a seed."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator

WORDS = """
the of and to in is it that was for on are as with his they at be this from have or by one had not but what all
were when we there can an your which their said if do will each about how up out them then she many some so these
would other into has more her two like him see time could no make than first been its who now people my made over
did down only way find use may water long little very after words called just where most know get through back much
before go good new write our used me man too any day same right look think also around another came come work three
word must because does part even place well such here take why things help put years different away again off went
old number great tell men say small every found still between name should home big give air line set own under read
last never us left end along while might next sound below saw something thought both few those always looked show
large often together asked house world going want school important until form food keep children feet land side
without boy once animals life enough took sometimes four head above kind began almost live page got earth need far
hand high year mother light parts country father let night following picture being study second eyes soon times story
boys since white days ever paper hard near sentence better best across during today others however sure means knew
try told young miles sun ways thing whole hear example heard several change answer room sea against top turned learn
point city play toward five using himself usually money seen car morning river language model vector layer token
encoder attention meaning sentence embedding library chapter student teacher question data result table number
""".split()


def corpus(n: int, seed: int = 0) -> Iterator[str]:
    """n texts of 3 to 150 words (log-uniform), Zipf-weighted words, a few commas; the same for a seed."""
    rng = random.Random(seed)
    weights = [1 / (rank + 1) for rank in range(len(WORDS))]
    for _ in range(n):
        n_words = int(math.exp(rng.uniform(math.log(3), math.log(150))))
        words = rng.choices(WORDS, weights, k=n_words)
        for i in range(7, n_words - 1, rng.randint(7, 15)):
            words[i] += ","
        yield (" ".join(words).capitalize() + rng.choice(".?!")).replace(",.", ".")
