"""`reconcile import`: live connections and API destinations → spec files.

specs.py turns DescribeConnection / DescribeApiDestination data into spec dicts (pure),
yaml_out.py writes their YAML, naming.py gives names starting with `.` a visible file and
secret name, files.py places them in files and writes them all or none, read_back.py checks
plan reads each one back, secrets.py copies managed secret values (--copy-secret-values),
command.py runs it.
"""
