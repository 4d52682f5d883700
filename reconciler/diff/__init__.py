"""Stages 5–6: normalize the spec and the live connection into one form, then compare."""
