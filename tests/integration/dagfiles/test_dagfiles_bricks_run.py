"""The recommendation bricks run as written: a DAG assembled from them succeeds on real local Spark."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from wfo.dagfiles.bricks import shipped_bricks

from helpers.platform_runner import Platform

pytestmark = pytest.mark.integration
TITLES = (
    "compute similarity based on feature vectors",
    "generate buckets from a numerical feature",
    "generate latent features for items",
)
HEADER = '''from datetime import datetime

from airflow.sdk import DAG

appName = "BricksRecommendations"
dag = DAG("bricks_recommendations", schedule=None, start_date=datetime(2024, 1, 1), catchup=False)
'''


def test_recommendation_bricks_compute_their_outputs(platform: Platform) -> None:
    by_title = {b.title: b for b in shipped_bricks()}
    code = "\n\n".join([HEADER, *(by_title[t].code for t in TITLES)])
    platform.deploy_dag("bricks_recommendations.py", code)
    platform.wait_for_dag("bricks_recommendations")
    assert platform.trigger_and_wait("bricks_recommendations", timeout=900) == "success"

    output = platform.home / "examples-data" / "output"
    similar = pq.read_table(output / "item_similarity").to_pylist()
    per_item: dict[int, list[dict[str, object]]] = {}
    for row in similar:
        per_item.setdefault(int(row["item_id"]), []).append(row)  # type: ignore[call-overload]
    assert len(per_item) > 50 and all(len(rows) <= 5 for rows in per_item.values())
    assert all(-1.0 <= float(row["similarity"]) <= 1.0 + 1e-9 for row in similar)  # type: ignore[arg-type]
    assert all(row["item_id"] != row["similar_item_id"] for row in similar)

    buckets = pq.read_table(output / "duration_buckets").to_pylist()
    assert len(buckets) == 500  # every video, with its bucket
    for row in buckets:
        duration, bucket = float(row["duration_s"]), int(row["duration_s_bucket"])  # type: ignore[arg-type]
        edges = [float("-inf"), 0, 300, 900, 1800, 3600, float("inf")]
        assert edges[bucket] <= duration < edges[bucket + 1]

    factors = pq.read_table(output / "item_latent_features").to_pylist()
    assert len(factors) > 50 and all(len(row["features"]) == 8 for row in factors)  # type: ignore[arg-type]
