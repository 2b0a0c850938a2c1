"""The worker side of an EDA run (called by the `wfo_eda` DAG): read the source, analyse, store the report."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from wfo.eda.schemas import ReportKind
from wfo.eda.sources import checked_local_path, dataset_file, parse_source
from wfo.settings import get_settings
from wfo.storage.objectstore import ObjectStore


def run_from_conf(conf: dict[str, Any]) -> dict[str, Any]:
    """Analyse `conf["source"]` and store the HTML report at `conf["output"]` with its `.json` twin."""
    from wfo.eda.engine.analyse import analyse_file
    from wfo.eda.report_html import render

    settings = get_settings()
    source = parse_source(str(conf["source"]), settings)
    output = str(conf["output"])
    store = ObjectStore.from_settings(settings)
    with tempfile.TemporaryDirectory(prefix="wfo-eda-") as tmp:
        try:
            path = _local_copy(source, Path(tmp), settings, store)
        finally:
            if conf.get("delete_source") and source.scheme == "store":  # an upload: not kept
                store.delete(source.path, missing_ok=True)
        kind: ReportKind = conf.get("kind") or "preliminary"
        asked = str(conf.get("engine") or "auto")
        engine = choose_engine(asked, kind, path, settings.eda_spark_above_bytes)
        print(f"wfo: EDA engine {engine} (asked: {asked})", flush=True)
        report = None
        if engine == "spark":
            from wfo.eda.engine.analyse import profile_file_spark
            from wfo.eda.spark_session import SparkUnavailable

            label = f"wfo_eda:{conf.get('run_id') or 'run'}"
            try:
                report = profile_file_spark(
                    path, source=source.text, config_group=conf.get("config_group"), label=label
                )
            except SparkUnavailable as exc:
                if asked == "spark":
                    raise
                # "auto" chose Spark for the size; without a usable group the file still gets its report.
                print(f"wfo: no Spark for this run ({exc}); profiling with polars", flush=True)
        if report is None:
            report = analyse_file(
                path,
                source=source.text,
                kind=kind,
                target=conf.get("target"),
                task=conf.get("task"),
                in_memory_bytes=settings.eda_in_memory_bytes,
            )
    store.put_bytes(output, render(report).encode("utf-8"))
    store.put_bytes(output.removesuffix(".html") + ".json", report.model_dump_json(indent=1).encode("utf-8"))
    return {"output": output, "rows": report.overview.rows, "columns": report.overview.columns}


def choose_engine(asked: str, kind: str, path: Path, spark_above_bytes: int) -> str:
    """`spark` when asked, or on `auto` for a preliminary report of a file larger than the threshold;
    data importance (L1) always runs on polars."""
    if kind != "preliminary":
        return "polars"
    if asked in ("polars", "spark"):
        return asked
    return "spark" if 0 < spark_above_bytes < path.stat().st_size else "polars"


def _local_copy(source: Any, folder: Path, settings: Any, store: ObjectStore) -> Path:
    if source.scheme == "file":
        return checked_local_path(source, settings)
    if source.scheme == "store":
        target = folder / Path(source.path).name
        with store.open(source.path) as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
        return target
    if source.scheme == "dataset":  # the latest version (or the one named), from the manifest
        from wfo.repositories.models import fetch_model

        version, _ = dataset_file(source, store)
        return fetch_model(source.path, folder, version, store=store)
    if source.scheme in ("webhdfs", "hdfs"):  # over WebHDFS, with the connection's host and user
        from wfo.eda.webhdfs import fetch_webhdfs

        return fetch_webhdfs(source, folder)
    if source.scheme == "s3":  # with boto3, the keys and endpoint of the connection
        from wfo.eda.s3 import fetch_s3

        return fetch_s3(source, folder)
    from wfo.eda.sql import export_table

    return export_table(source, folder)
