"""The only stages that talk to AWS: clients, reads (fetch) and writes (apply)."""
