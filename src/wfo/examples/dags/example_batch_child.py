"""The child of ExampleBatchLoop: receives one batch of rows as `dag_run.conf["metadata_df"]` (JSON records).

It writes a small summary per run to `<examples-data>/output/batch_loop/<run id>.json`, so one can see which
rows each batch got.
"""

from datetime import datetime

from airflow.sdk import DAG, task

with DAG(
    dag_id="ExampleBatchChild",
    description="Summarise one batch of ExampleBatchLoop",
    start_date=datetime(2024, 1, 1),
    schedule=None,
    catchup=False,
    tags=["wfo-example", "loop"],
    default_args={"owner": "wfo", "retries": 0},
) as dag:

    @task
    def summarise_batch(metadata_df: str, data_dir: str, child_run_id: str) -> dict[str, object]:
        import json
        from pathlib import Path

        rows = json.loads(metadata_df)
        summary = {
            "rows": len(rows),
            "video_ids": [row["video_id"] for row in rows],
            "total_duration_s": sum(int(row["duration_s"]) for row in rows),
        }
        out = Path(data_dir) / "output" / "batch_loop"
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{child_run_id}.json").write_text(json.dumps(summary), encoding="utf-8")
        return {"rows": len(rows), "total_duration_s": summary["total_duration_s"]}

    summarise_batch(
        metadata_df='{{ dag_run.conf["metadata_df"] }}',
        data_dir="{{ var.value.wfo_examples_data_dir }}",
        child_run_id="{{ run_id }}",
    )
