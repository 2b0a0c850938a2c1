"""wfo: a workflow orchestrator for Spark and ML pipelines, built on Apache Airflow 3.3."""
