"""Task SLAs on Airflow 3.3: `sla=` captured at parse time (`policy`), misses detected server-side by the
sla-monitor component (`monitor`), recorded in `wfo_sla_miss`, e-mailed and handed to the DAG's
`sla_miss_callback` in a sandbox (`notify`, `callback`), listed and annotated through the API (`service`).
"""
