"""Code artifact of the TensorFlow example (TensorflowOperator): check the ratings' features.

Runs with the interpreter of a Python environment of the config group. It uses TensorFlow when that
environment has it and plain Python otherwise, so the example runs anywhere.

    python FeatureValidation.py --input ratings.csv --report report.json [--min-rating 1 --max-rating 5]
"""

import argparse
import csv
import json
import os
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--input", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("--min-rating", type=int, default=1)
    parser.add_argument("--max-rating", type=int, default=5)
    args = parser.parse_args()

    with open(args.input, newline="") as handle:
        ratings = [int(row["rating"]) for row in csv.DictReader(handle)]
    try:
        import tensorflow as tf

        values = tf.constant(ratings)
        in_range = tf.logical_and(values >= args.min_rating, values <= args.max_rating)
        valid = int(tf.reduce_sum(tf.cast(in_range, tf.int32)))
        backend = f"tensorflow {tf.__version__}"
    except ImportError:
        valid = sum(args.min_rating <= r <= args.max_rating for r in ratings)
        backend = "python (TensorFlow is not installed in this environment)"
    report = {
        "rows": len(ratings),
        "valid": valid,
        "invalid": len(ratings) - valid,
        "backend": backend,
        "python": sys.executable,
        "prefix": sys.prefix,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.report)), exist_ok=True)
    with open(args.report, "w") as handle:
        json.dump(report, handle, indent=1)
    print(f"{valid} of {len(ratings)} ratings are valid ({backend}; {sys.executable})")
    if valid < len(ratings):
        sys.exit(f"{len(ratings) - valid} rating(s) outside {args.min_rating}..{args.max_rating}")


if __name__ == "__main__":
    main()
