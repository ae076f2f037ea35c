"""One sub-seed derivation (clusternet.seeds); a missing seed is an error, not 0."""
from __future__ import annotations

import zlib

import numpy as np
import pytest

from clusternet.errors import ConfigError
from clusternet.seeds import required_seed, seed_sequence, sub_seed


def test_sub_seed_is_the_documented_seed_sequence():
    expected = int(np.random.SeedSequence([20240601, zlib.crc32(b"qap.mrqap"), 2015]).generate_state(1)[0])
    assert sub_seed(20240601, "qap.mrqap", 2015) == expected
    assert seed_sequence(1, "a").entropy == [1, zlib.crc32(b"a")]
    assert sub_seed(1, "a") != sub_seed(1, "b") != sub_seed(2, "b")


def test_required_seed_prefers_options_and_refuses_none():
    assert required_seed({"seed": 5}, {"seed": 7}, "x") == 7
    assert required_seed({"seed": 5}, None, "x") == 5
    with pytest.raises(ConfigError, match=r"specification 'm': the draws needs a seed"):
        required_seed({"name": "m"}, {}, "the draws")
