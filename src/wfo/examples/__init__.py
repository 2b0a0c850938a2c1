"""Example DAGs shipped with wfo as a read-only DAG bundle, with their code artifacts and data.

`seed_examples()` (run by `wfo up`'s init step) uploads the artifacts to the code-artifact repository and
copies the data into `$WFO_HOME/examples-data`, idempotently; the DAGs find that folder through the
Airflow Variable `wfo_examples_data_dir`, so they also work on workers on other hosts.
"""
