"""Code artifact of the TensorFlow example (CoutureTensorflowOperator): a histogram of the ratings.

Receives the Couture payload; uses TensorFlow when the environment has it and plain Python otherwise.
"""

import csv
import json
import os
import sys

import wfo.task
from wfo.task import run_method


def Rating_Histogram(payload):
    source = os.path.join(payload["input_base_dir_path"], payload["input_filenames_dict"]["ratings"])
    with open(source, newline="") as handle:
        ratings = [int(row["rating"]) for row in csv.DictReader(handle)]
    buckets = max(int((payload.get("method_args_dict") or {}).get("buckets", 6)), max(ratings, default=0) + 1)
    try:
        import tensorflow as tf

        counts = [int(c) for c in tf.math.bincount(tf.constant(ratings), minlength=buckets).numpy()]
        backend = f"tensorflow {tf.__version__}"
    except ImportError:
        counts = [0] * buckets
        for rating in ratings:
            counts[rating] += 1
        backend = "python (TensorFlow is not installed in this environment)"
    report = {
        "histogram": {str(value): count for value, count in enumerate(counts)},
        "method_id": payload["method_id"],
        "dag_id": payload.get("dag_id"),
        "backend": backend,
        "python": sys.executable,
        "prefix": sys.prefix,
        "wfo_task": os.path.abspath(wfo.task.__file__),
    }
    target = os.path.join(payload["output_base_dir_path"], payload["output_filenames_dict"]["histogram"])
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "w") as handle:
        json.dump(report, handle, indent=1)
    print(f"histogram of {len(ratings)} ratings written to {target} ({backend}; {sys.executable})")


if __name__ == "__main__":
    run_method(globals())
