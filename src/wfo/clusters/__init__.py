"""Cluster config groups: Spark/Hadoop/Kerberos/Livy settings, their validation, publishing and rendering."""
