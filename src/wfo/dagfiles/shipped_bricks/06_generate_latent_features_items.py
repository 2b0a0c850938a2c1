# title: generate latent features for items
# description: Factorise the user-item ratings with ALS and write each item's latent feature vector (Recommendations.py, runs on the example ratings).
# tags: spark, pyspark, als, latent features, recommendations, couture
from wfo.operators import CouturePySparkOperator

LatentFeatures = CouturePySparkOperator(
    task_id="LatentFeatures",
    method_id="generate_latent_features",
    app_name=appName,
    code_artifact="Recommendations.py",
    method_args_dict={"rank": 8, "max_iter": 5, "reg_param": 0.1},
    input_base_dir_path="{{ var.value.wfo_examples_data_dir }}/input/",
    output_base_dir_path="{{ var.value.wfo_examples_data_dir }}/output/",
    input_filenames_dict={"ratings": "ratings.csv"},
    output_filenames_dict={"item_factors": "item_latent_features"},
    dag=dag,
    description="ALS item factors",
)
