"""What a PySpark task on a Spark Connect group checks before it runs: the SparkContext/RDD API, its artifacts."""

from __future__ import annotations

import pytest

from wfo.operators.spark import PySparkOperator, SparkOperator
from wfo.operators.spark_connect import artifacts_of, unsupported_message, unsupported_uses


def test_sparkcontext_and_rdd_uses_are_found_with_their_lines() -> None:
    source = (
        "from pyspark import SparkContext\n"
        "spark = build()\n"
        "sc = spark.sparkContext\n"
        "rows = df.rdd.map(len)\n"
        "SparkContext.getOrCreate()\n"
    )
    assert unsupported_uses(source) == [
        "line 1: import SparkContext",
        "line 3: .sparkContext",
        "line 4: .rdd",
        "line 5: SparkContext",
    ]


@pytest.mark.parametrize(
    "source",
    [
        "spark.range(3).createOrReplaceTempView('v')\nprint(spark.conf.get('spark.app.name'))\n",
        "note = 'sparkContext in a string is not a use'\n",
        "def broken(:\n",  # a syntax error is the run's to report
    ],
)
def test_dataframe_code_passes(source: str) -> None:
    assert unsupported_uses(source) == []


def test_the_message_names_both_ways_out() -> None:
    message = unsupported_message("fast", "load", "line 3: .sparkContext")
    assert 'spark_engine="submit"' in message and "(task 'load')" in message
    assert '/config-groups/fast/spark-engine {"engine": "submit", "url": null}' in message


def test_rendered_dependencies_become_session_artifacts() -> None:
    arguments = {"py-files": "/r/deps/a.py,/r/deps/b.zip", "jars": "/r/deps/x.jar", "master": "local[*]"}
    assert artifacts_of(arguments) == {
        "pyfile": ["/r/deps/a.py", "/r/deps/b.zip"],
        "jar": ["/r/deps/x.jar"],
        "file": [],
    }


def test_the_per_task_engine_is_checked_when_the_dag_is_parsed() -> None:
    with pytest.raises(ValueError, match="spark_engine must be 'submit', 'connect' or None, not 'livy'"):
        PySparkOperator(task_id="t", code_artifact="a.py", spark_engine="livy")
    with pytest.raises(ValueError, match="JVM applications run with spark-submit"):
        SparkOperator(task_id="t", code_artifact="a.jar", spark_engine="connect")
