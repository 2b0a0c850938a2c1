"""Root ASGI middlewares that guard Airflow's own routes on wfo's behalf."""
