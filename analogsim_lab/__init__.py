"""analogsim_lab: the experiment layer on top of the libraries.

Workloads (`analogsim_lab.workloads`: the crossbar MVM, the digits MLP, the tiny transformer, the MLP energy study;
`analogsim_lab.rbm_digits`), the hardware presets they share (`analogsim_lab.presets`), benchmarks
(`python -m analogsim_lab.bench`, `analogsim_lab.ksat_bench`) and the comparison report (`analogsim report`, every
section: `analogsim_lab.report`) live here. This package imports the libraries `analogsim`, `hnn` and `ebm` through
their public names, at module level; no library imports it. See `docs/ARCHITECTURE.md` for the layer diagram and the
rule that `tests/test_layering.py` enforces.
"""
