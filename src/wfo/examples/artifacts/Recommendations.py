"""Code artifact behind the recommendation code bricks: item similarity, buckets, latent features.

Each function takes the Couture payload (see `wfo.task.run_method`) and runs on the example data
(`ratings.csv`: user_id,item_id,rating,timestamp; `videos.csv`: video_id,title,duration_s,...).
"""

import os

from wfo.task import run_method


def _paths(payload, kind, key):
    base = payload[f"{kind}_base_dir_path"]
    return os.path.join(base, payload[f"{kind}_filenames_dict"][key])


def compute_similarity_feature_vectors(payload):
    """Cosine similarity of items whose feature vectors are their columns of the user x item ratings."""
    from pyspark.sql import SparkSession, Window
    from pyspark.sql import functions as F

    spark = SparkSession.builder.getOrCreate()
    top_k = int((payload.get("method_args_dict") or {}).get("top_k", 5))
    ratings = spark.read.csv(_paths(payload, "input", "ratings"), header=True, inferSchema=True)
    ratings = ratings.groupBy("user_id", "item_id").agg(F.avg("rating").alias("r"))
    norms = ratings.groupBy("item_id").agg(F.sqrt(F.sum(F.col("r") * F.col("r"))).alias("norm"))
    a, b = ratings.alias("a"), ratings.alias("b")
    dots = (
        a.join(b, (F.col("a.user_id") == F.col("b.user_id")) & (F.col("a.item_id") < F.col("b.item_id")))
        .groupBy(F.col("a.item_id").alias("i"), F.col("b.item_id").alias("j"))
        .agg(F.sum(F.col("a.r") * F.col("b.r")).alias("dot"))
    )
    pairs = (
        dots.join(norms.withColumnRenamed("item_id", "i").withColumnRenamed("norm", "ni"), "i")
        .join(norms.withColumnRenamed("item_id", "j").withColumnRenamed("norm", "nj"), "j")
        .select("i", "j", (F.col("dot") / (F.col("ni") * F.col("nj"))).alias("similarity"))
    )
    both = pairs.unionByName(pairs.select(F.col("j").alias("i"), F.col("i").alias("j"), "similarity"))
    ranked = both.withColumn(
        "rank", F.row_number().over(Window.partitionBy("i").orderBy(F.desc("similarity"), "j"))
    ).where(F.col("rank") <= top_k)
    target = _paths(payload, "output", "similarity")
    ranked.select(F.col("i").alias("item_id"), F.col("j").alias("similar_item_id"), "similarity", "rank").write.mode(
        "overwrite"
    ).parquet(target)
    print(f"wrote the top {top_k} similar items of {ranked.select('i').distinct().count()} items to {target}")
    spark.stop()


def generate_buckets(payload):
    """Bucket a numeric column with the given split points and count the rows per bucket."""
    from pyspark.ml.feature import Bucketizer
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.getOrCreate()
    args = payload.get("method_args_dict") or {}
    column = args.get("column", "duration_s")
    splits = [float("-inf"), *[float(s) for s in args.get("splits", [0, 300, 900, 1800, 3600])], float("inf")]
    items = spark.read.csv(_paths(payload, "input", "items"), header=True, inferSchema=True)
    bucketed = Bucketizer(splits=splits, inputCol=column, outputCol=f"{column}_bucket").transform(items)
    target = _paths(payload, "output", "buckets")
    bucketed.write.mode("overwrite").parquet(target)
    for row in bucketed.groupBy(f"{column}_bucket").count().orderBy(f"{column}_bucket").collect():
        print(f"bucket {int(row[0])}: {row[1]} rows")
    spark.stop()


def generate_latent_features(payload):
    """Factorise the ratings with ALS and write every item's latent feature vector."""
    from pyspark.ml.recommendation import ALS
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.getOrCreate()
    args = payload.get("method_args_dict") or {}
    ratings = spark.read.csv(_paths(payload, "input", "ratings"), header=True, inferSchema=True)
    model = ALS(
        rank=int(args.get("rank", 8)),
        maxIter=int(args.get("max_iter", 5)),
        regParam=float(args.get("reg_param", 0.1)),
        userCol="user_id",
        itemCol="item_id",
        ratingCol="rating",
        coldStartStrategy="drop",
        seed=7,
    ).fit(ratings)
    target = _paths(payload, "output", "item_factors")
    model.itemFactors.write.mode("overwrite").parquet(target)
    print(f"wrote {model.itemFactors.count()} item factor vectors of rank {model.rank} to {target}")
    spark.stop()


if __name__ == "__main__":
    run_method(globals())
