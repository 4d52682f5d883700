"""How reconcile talks to AWS: botocore clients per target, the calls it makes, error codes.
Only the read step (read/), apply (apply/) and import use it; planning never does."""
