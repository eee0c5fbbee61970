"""Order keys for playlist entries: strings whose lexicographic order is the playlist order.

An append takes the next value of the playlist's atomic sequence counter (`append_key`), so 200 concurrent adds
get 200 distinct keys in a total order. A move or an insert takes a key strictly between its two neighbours
(`between`), so it rewrites only the moved entry. A little random jitter keeps two concurrent moves into the same
gap apart. No key ends in "0", so there is always room below any key.
"""

from __future__ import annotations

import random

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
BASE = len(ALPHABET)
APPEND_WIDTH = 10  # 36**10 appends per playlist before keys would grow
_RNG = random.Random()
_DIGIT = {c: i for i, c in enumerate(ALPHABET)}


def append_key(seq: int) -> str:
    """Key of the `seq`-th append (seq >= 1). Fixed width, so it sorts after every earlier key, moved ones too."""
    if seq < 1:
        raise ValueError("seq starts at 1")
    digits = []
    while seq:
        seq, r = divmod(seq, BASE)
        digits.append(ALPHABET[r])
    return "".join(reversed(digits)).rjust(APPEND_WIDTH, "0")


def _jitter(rng: random.Random) -> str:
    return ALPHABET[rng.randrange(1, BASE)] + ALPHABET[rng.randrange(1, BASE)]


def between(lo: str | None, hi: str | None, rng: random.Random | None = None) -> str:
    """A key strictly between `lo` and `hi` (None means unbounded). Keys after `lo` with no upper bound extend
    `lo`, so they stay below every later append key."""
    rng = rng or _RNG
    lo = lo or ""
    if hi is None:
        return lo + _jitter(rng)
    if lo >= hi:
        raise ValueError(f"no key between {lo!r} and {hi!r}")
    out: list[str] = []
    bounded = True
    i = 0
    while True:
        dl = _DIGIT[lo[i]] if i < len(lo) else 0
        dh = (_DIGIT[hi[i]] if i < len(hi) else 0) if bounded else BASE
        if dh - dl > 1:
            out.append(ALPHABET[rng.randrange(dl + 1, dh)])
            return "".join(out) + _jitter(rng)
        out.append(ALPHABET[dl])
        if dh - dl == 1:
            bounded = False  # anything after this prefix is already below hi
        i += 1
