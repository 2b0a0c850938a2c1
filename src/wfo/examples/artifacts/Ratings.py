"""Code artifact of the manual's two-task PySpark pipeline: dump the ratings data."""

import os

from wfo.task import run_method


def Get_Ratings_Data(payload):
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    spark = SparkSession.builder.getOrCreate()
    source = os.path.join(payload["input_base_dir_path"], payload["input_filenames_dict"]["ratings"])
    ratings = spark.read.csv(source, header=True, inferSchema=True).where(F.col("rating").between(1, 5))
    target = os.path.join(payload["output_base_dir_path"], payload["output_filenames_dict"]["ratings"])
    ratings.write.mode("overwrite").parquet(target)
    print(f"wrote {ratings.count()} ratings to {target}")
    spark.stop()


if __name__ == "__main__":
    run_method(globals())
