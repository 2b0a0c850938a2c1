# title: compute similarity based on feature vectors
# description: Cosine similarity between items whose feature vectors are their rating columns; keeps the top_k most similar items per item (Recommendations.py, runs on the example ratings).
# tags: spark, pyspark, similarity, recommendations, couture
from wfo.operators import CouturePySparkOperator

ItemSimilarity = CouturePySparkOperator(
    task_id="ItemSimilarity",
    method_id="compute_similarity_feature_vectors",
    app_name=appName,
    code_artifact="Recommendations.py",
    method_args_dict={"top_k": 5},
    input_base_dir_path="{{ var.value.wfo_examples_data_dir }}/input/",
    output_base_dir_path="{{ var.value.wfo_examples_data_dir }}/output/",
    input_filenames_dict={"ratings": "ratings.csv"},
    output_filenames_dict={"similarity": "item_similarity"},
    dag=dag,
    description="Top-k similar items by cosine similarity of their rating vectors",
)
