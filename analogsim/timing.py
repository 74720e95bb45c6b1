"""Wall-clock medians of JAX calls (public interface of `analogsim._timing`): the timer behind every benchmark
and every measured baseline, so that all of them warm up, block and take medians the same way."""

from ._timing import median_time as median_time, median_times as median_times
