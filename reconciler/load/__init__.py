"""Stage 1: find spec files and load their YAML documents with source positions."""
