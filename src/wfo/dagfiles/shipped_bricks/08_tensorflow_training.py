# title: train a model in a tensorflow environment
# description: Run a training script from the code-artifact repository with the Python environment named "tensorflow" of the config group (its runtime section), passing command-line arguments.
# tags: tensorflow, python, training, machine learning
from wfo.operators import TensorflowOperator

TrainModel = TensorflowOperator(
    task_id="TrainModel",
    code_artifact="train.py",
    application_arguments="--epochs 5 --output {{ var.value.wfo_examples_data_dir }}/output/model",
    python="tensorflow",
    dag=dag,
    description="Train the model",
)
