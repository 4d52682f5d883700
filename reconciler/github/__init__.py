"""GitHub glue for the workflows: the plan and apply's result as pull-request comments, drift
as one tracking issue.

The GitHub API through the standard library (urllib), so the workflows need nothing beyond
`pip install .`; reconcile itself runs as a subprocess, and its config resolver says where
each target runs (where.py).
"""
