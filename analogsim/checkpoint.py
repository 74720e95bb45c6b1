"""Training checkpoints (public interface of `analogsim._checkpoint`): one atomic file format and one resume rule
(continue to the requested total; refuse another run's checkpoint) for `analogsim.nn.train` and `ebm`."""

from ._checkpoint import Checkpoint as Checkpoint, load as load, resume as resume, save as save
