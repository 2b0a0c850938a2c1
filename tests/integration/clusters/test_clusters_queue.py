"""A config group's queue: wfo tasks on the group that name no queue are routed to it.

The route is decided where Airflow parses the DAG file (wfo.clusters.queue_policy), so this checks what
the real dag-processor serialized: the `queue` of each task as Airflow's own API shows it.
"""

from __future__ import annotations

import pytest
from config_group_helpers import call, unique

from helpers.platform_runner import Platform

pytestmark = pytest.mark.integration

DAG = '''
from datetime import datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

from wfo.operators import CouturePySparkOperator

with DAG("DAG_ID", start_date=datetime(2026, 1, 1), schedule=None, catchup=False):
    def pyspark(task_id, group, **kwargs):
        return CouturePySparkOperator(
            task_id=task_id,
            method_id="Get_Ratings_Data",
            app_name="queues",
            code_artifact="Ratings.py",
            input_base_dir_path="/tmp/in/",
            output_base_dir_path="/tmp/out/",
            input_filenames_dict={"ratings": "ratings.csv"},
            output_filenames_dict={"ratings": "ratings.parquet"},
            config_group=group,
            **kwargs,
        )

    pyspark("on_edge_group", "EDGE_GROUP")
    pyspark("names_its_queue", "EDGE_GROUP", queue="chosen")
    pyspark("on_plain_group", "PLAIN_GROUP")
    BashOperator(task_id="not_wfo", bash_command="true")

with DAG("DAG_ID_defaults", start_date=datetime(2026, 1, 1), schedule=None, catchup=False,
         default_args={"queue": "from_defaults"}):
    pyspark("queue_in_default_args", "EDGE_GROUP")
'''


def test_tasks_of_a_group_with_a_queue_go_to_it_unless_they_name_one(platform: Platform) -> None:
    edge, plain = unique("edge"), unique("plain")
    for group in (edge, plain):
        call(platform, "POST", "/config-groups", json_body={"name": group}, expected=(201,))
    path = f"/config-groups/{edge}/runtime"
    # A queue decides which workers run the group's code: a code setting, refused to Op.
    refused = call(platform, "PUT", path, user="op_user", json_body={"queue": "edge-a"})
    assert refused.status == 403 and "WFO Cluster Code Settings" in refused.body.decode()
    bad = call(platform, "PUT", path, user="dev_user", json_body={"queue": "edge a;rm"})
    assert bad.status == 422 and "is not a valid queue name" in bad.body.decode()
    assert call(platform, "GET", path, expected=(200,)).json()["queue"] is None
    saved = call(platform, "PUT", path, user="dev_user", json_body={"queue": "edge-a"}, expected=(200,))
    assert saved.json()["queue"] == "edge-a"

    dag_id = unique("queues").replace("-", "_")
    code = DAG.replace("DAG_ID", dag_id).replace("EDGE_GROUP", edge).replace("PLAIN_GROUP", plain)
    platform.deploy_dag(f"{dag_id}.py", code)

    def queues(dag: str) -> dict[str, str]:
        tasks = platform.request("GET", f"/api/v2/dags/{dag}/tasks", token=platform.token(), expected=(200,))
        return {task["task_id"]: task["queue"] for task in tasks.json()["tasks"]}

    found = queues(dag_id)
    default_queue = found["not_wfo"]  # Airflow's [operators] default_queue
    assert default_queue not in ("edge-a", "chosen")
    assert found == {
        "on_edge_group": "edge-a",
        "names_its_queue": "chosen",
        "on_plain_group": default_queue,
        "not_wfo": default_queue,
    }
    assert queues(f"{dag_id}_defaults") == {"queue_in_default_args": "from_defaults"}
