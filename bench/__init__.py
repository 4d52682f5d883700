"""The benchmark for issue #5 (see README.md); not part of the installed package."""
