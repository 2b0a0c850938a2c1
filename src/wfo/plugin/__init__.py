"""The wfo Airflow plugin: FastAPI app, React UI bundle and their routes."""
