"""Code artifact of the Dask example: each user's rating count and average, computed on a Dask cluster.

`distributed.Client()` with no address connects to the cluster the operator chose (it sets
DASK_SCHEDULER_ADDRESS): a local one, an existing scheduler or one on YARN, per the config group.
"""

import csv
import json
import os

from wfo.task import run_method


def _summarise(rows):
    """Per user: (ratings, sum of ratings) over one chunk of rows; runs on a Dask worker."""
    from distributed import get_worker

    totals = {}
    for user, rating in rows:
        count, total = totals.get(user, (0, 0))
        totals[user] = (count + 1, total + rating)
    return get_worker().address, totals


def Average_Ratings(payload):
    from distributed import Client

    source = os.path.join(payload["input_base_dir_path"], payload["input_filenames_dict"]["ratings"])
    with open(source, newline="") as handle:
        rows = [(int(r["user_id"]), int(r["rating"])) for r in csv.DictReader(handle)]
    rows = [(user, rating) for user, rating in rows if 1 <= rating <= 5]
    chunk_rows = int((payload.get("method_args_dict") or {}).get("chunk_rows", 250))
    chunks = [rows[i : i + chunk_rows] for i in range(0, len(rows), chunk_rows)]

    with Client() as client:
        scheduler = client.scheduler.address
        workers = sorted(client.scheduler_info()["workers"])
        print(f"connected to {scheduler} with {len(workers)} worker(s)")
        results = client.gather(client.map(_summarise, chunks, pure=False))

    merged = {}
    for _, totals in results:
        for user, (count, total) in totals.items():
            before = merged.get(user, (0, 0))
            merged[user] = (before[0] + count, before[1] + total)
    report = {
        "scheduler": scheduler,
        "workers": len(workers),
        "workers_used": len({address for address, _ in results}),
        "chunks": len(chunks),
        "users": {
            str(user): {"ratings": count, "average_rating": round(total / count, 4)}
            for user, (count, total) in sorted(merged.items())
        },
    }
    target = os.path.join(payload["output_base_dir_path"], payload["output_filenames_dict"]["averages"])
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "w") as handle:
        json.dump(report, handle, indent=1)
    print(f"wrote the averages of {len(merged)} users to {target}")


if __name__ == "__main__":
    run_method(globals())
