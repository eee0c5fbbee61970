import random

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.ordering import ALPHABET, append_key, between

keys = st.text(alphabet=ALPHABET, min_size=1, max_size=14).filter(lambda k: not k.endswith("0"))


def test_append_keys_sort_numerically():
    seqs = [1, 2, 35, 36, 37, 1295, 1296, 10**9]
    assert sorted(seqs, key=append_key) == seqs
    assert all(len(append_key(s)) == 10 for s in seqs)


@given(keys, keys, st.integers(0, 2**32))
def test_between_is_strictly_between(a, b, seed):
    lo, hi = sorted((a, b))
    if lo == hi:
        return
    k = between(lo, hi, random.Random(seed))
    assert lo < k < hi
    assert not k.endswith("0")


@given(keys, st.integers(0, 2**32))
def test_open_ends(k, seed):
    rng = random.Random(seed)
    assert between(None, k, rng) < k
    after = between(k, None, rng)
    assert after > k
    assert after.startswith(k)


def test_move_to_end_stays_below_later_appends():
    last = append_key(41)
    moved = between(last, None)
    assert last < moved < append_key(42)


def test_repeated_inserts_into_one_gap_stay_ordered():
    rng = random.Random(7)
    lo, hi = append_key(1), append_key(2)
    produced = []
    for _ in range(200):
        k = between(lo, hi, rng)
        produced.append(k)
        hi = k  # always insert at the front of the gap: the worst case for key growth
    assert produced == sorted(produced, reverse=True)
    assert len(produced[-1]) < 700
