"""GitHub glue for the workflows: the plan as a pull-request comment, drift as one tracking issue.

Standard library only (urllib), so the workflows need nothing beyond `pip install .`.
"""
