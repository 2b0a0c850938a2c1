"""Code artifact of the manual's two-task PySpark pipeline: per-user rating history from the dump."""

import os

from wfo.task import run_method


def Get_Ratings_History(payload):
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    spark = SparkSession.builder.getOrCreate()
    source = os.path.join(payload["input_base_dir_path"], payload["input_filenames_dict"]["ratings"])
    history = (
        spark.read.parquet(source)
        .groupBy("user_id")
        .agg(F.count("*").alias("ratings"), F.round(F.avg("rating"), 3).alias("average_rating"))
        .orderBy("user_id")
    )
    target = os.path.join(payload["output_base_dir_path"], payload["output_filenames_dict"]["history"])
    history.coalesce(1).write.mode("overwrite").option("header", True).csv(target)
    print(f"wrote the history of {history.count()} users to {target}")
    spark.stop()


if __name__ == "__main__":
    run_method(globals())
