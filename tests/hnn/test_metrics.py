import math

import numpy as np
import pytest

import hnn


def tts(t, p):
    return t * math.log(0.01) / math.log(1 - p)


def test_tts99_formula():
    hits = [10, 20, -1, -1]  # p = 0.5 at t_run = 20
    assert hnn.tts99(hits, t_run=20) == pytest.approx(tts(20, 0.5))
    # chosen run length: the even half [10, -1] chooses t=10, scored on the odd half [20, -1]: p=0, rate 0;
    # the odd half [20, -1] chooses t=20, scored on [10, -1]: p=1/2; combined as rates: 2 / (0 + 1/tts(20, 0.5))
    assert hnn.tts99(hits) == pytest.approx(2 * tts(20, 0.5))


def test_tts99_edge_cases():
    assert hnn.tts99([-1, -1]) == math.inf
    assert hnn.tts99([5, 7, 9], t_run=9) == 9  # every run succeeds: one run
    # halves [inf] and [3]: [3] chooses t=3, [inf] never hits by then; [inf] chooses nothing
    assert hnn.tts99([np.inf, 3.0]) == math.inf
    # [4] chooses t=4 and [3] hits by then (one run: rate 1/4); [3] chooses t=3 and [4] has not hit (rate 0)
    assert hnn.tts99([4, 3.0]) == 8
    with pytest.raises(ValueError, match="at least 2 runs"):
        hnn.tts99([3])
    with pytest.raises(ValueError, match="target"):
        hnn.tts99([1], target=1.0)
    with pytest.raises(ValueError, match="empty"):
        hnn.tts99([])


def test_tts99_unbiased_on_geometric_hit_times():
    """Geometric first-hit times (success probability `q` per step, memoryless) have the same TTS99 for every run
    length, `ln(0.01) / ln(1 - q)` steps: a run length chosen on the sample it is scored on picks the luckiest
    one and reports about half of it with 32 runs; choosing on one half and scoring on the other does not."""
    q, runs, samples = 0.01, 32, 300
    truth = math.log(0.01) / math.log(1 - q)
    rng = np.random.default_rng(0)
    est = np.array([hnn.tts99(rng.geometric(q, runs)) for _ in range(samples)])
    assert np.all(np.isfinite(est))
    assert 0.9 < np.median(est) / truth < 1.15
    assert 0.9 < np.exp(np.mean(np.log(est))) / truth < 1.15
    # with a fixed run length the estimate is the closed form itself, up to sampling noise
    fixed = np.array([hnn.tts99(rng.geometric(q, runs), t_run=truth / 4) for _ in range(samples)])
    assert 0.85 < np.median(fixed) / truth < 1.15


def test_tts_quantiles():
    med, q90 = hnn.tts_quantiles([1, 2, 3, 4, 5, 6, 7, 8, 9, math.inf])
    assert med == 6 and q90 == math.inf
