"""Test infrastructure, not shipped: the emulator's counters, faults and control routes.

`testing.emulator.TestEmulator` is the sandbox's emulator (reconciler.sandbox) with
layers that tests and the benchmark steer and observe; `python -m testing.serve`
runs one in its own process. The wheel leaves this package out
(pyproject.toml, [tool.setuptools] packages).
"""
