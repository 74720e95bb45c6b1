"""analogsim_lab: the experiment layer on top of the libraries.

Workloads (the digits MLP, the tiny transformer, the digits RBM), benchmarks (``python -m analogsim_lab.bench``,
the k-SAT benchmark) and the comparison report (``analogsim report``, every section) live here. This package imports
the libraries ``analogsim``, ``hnn`` and ``ebm`` through their public names; no library imports it. See
``docs/ARCHITECTURE.md`` for the layer diagram and the rule that ``tests/test_layering.py`` enforces.
"""
