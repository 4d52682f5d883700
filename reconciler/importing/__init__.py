"""`reconcile import`: live connections and API destinations → spec files.

specs.py turns DescribeConnection / DescribeApiDestination data into spec dicts (pure),
yaml_out.py writes their YAML, files.py places them in files and writes them all or none,
secrets.py copies managed secret values (--copy-secret-values), command.py runs it.
"""
