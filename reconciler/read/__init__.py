"""The read step: everything a target's plan needs from AWS, read once, before planning."""
