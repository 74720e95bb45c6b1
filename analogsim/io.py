"""Atomic file writes (public interface of `analogsim._io`): a reader never sees a half-written file and a killed
run leaves the previous file intact."""

from ._io import write_bytes as write_bytes, write_json as write_json, write_text as write_text
