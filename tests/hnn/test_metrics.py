import math

import numpy as np
import pytest

import hnn


def test_tts99_formula():
    hits = [10, 20, -1, -1]  # p = 0.5 at t_run = 20
    assert hnn.tts99(hits, t_run=20) == pytest.approx(20 * math.log(0.01) / math.log(0.5))
    # optimal run length: t=10 gives p=0.25, t=20 gives p=0.5
    expected = min(10 * math.log(0.01) / math.log(0.75), 20 * math.log(0.01) / math.log(0.5))
    assert hnn.tts99(hits) == pytest.approx(expected)


def test_tts99_edge_cases():
    assert hnn.tts99([-1, -1]) == math.inf
    assert hnn.tts99([5, 7, 9], t_run=9) == 9  # every run succeeds: one run
    assert hnn.tts99([np.inf, 3.0]) == pytest.approx(3 * math.log(0.01) / math.log(0.5))
    with pytest.raises(ValueError, match="target"):
        hnn.tts99([1], target=1.0)
    with pytest.raises(ValueError, match="empty"):
        hnn.tts99([])


def test_tts_quantiles():
    med, q90 = hnn.tts_quantiles([1, 2, 3, 4, 5, 6, 7, 8, 9, math.inf])
    assert med == 6 and q90 == math.inf
