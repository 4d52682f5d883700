"""A local AWS stand-in (moto plus an emulator layer of AWS corrections) for `python -m reconciler.sandbox`.

The tests' controls (counters, faults, control routes) are in testing/, which is not shipped.
"""
