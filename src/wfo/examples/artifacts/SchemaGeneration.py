"""Code artifact of the ExampleSchemaGeneration DAG (the manual's QuickStart sample).

Reads each CSV named in the payload's `input_filenames_dict`, infers its schema, counts its rows and
writes both as JSON to the file named in `output_filenames_dict`, under `output_base_dir_path`.
"""

import json
import os

from wfo.task import run_method


def ExampleSchemaGeneration(payload):
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.getOrCreate()
    # The session's conf (not sparkContext.getConf()): the same values with spark-submit and Spark Connect.
    conf = spark.conf
    for key, relative in payload["input_filenames_dict"].items():
        frame = spark.read.csv(
            os.path.join(payload["input_base_dir_path"], relative), header=True, inferSchema=True
        )
        report = {
            "dataset": relative,
            "rows": frame.count(),
            "columns": [{"name": f.name, "type": f.dataType.simpleString()} for f in frame.schema.fields],
            "task_id": conf.get("spark.workflow.taskId", None),
            "dag_id": conf.get("spark.workflow.dagId", None),
        }
        target = os.path.join(payload["output_base_dir_path"], payload["output_filenames_dict"][key])
        # Written through Spark so the same artifact works on HDFS; one JSON line in a part file.
        spark.createDataFrame([(json.dumps(report),)], ["value"]).coalesce(1).write.mode("overwrite").text(
            target
        )
        print(f"schema of {relative}: {report}")
    spark.stop()


if __name__ == "__main__":
    run_method(globals())
