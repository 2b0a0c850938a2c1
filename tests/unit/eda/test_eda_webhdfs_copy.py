"""`webhdfs://` and `hdfs://` sources: the parser's refusals, and the worker's copy over WebHDFS from the double
(tests/helpers/webhdfs_double.py), the connection given as Airflow's `AIRFLOW_CONN_*` variable."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from wfo.eda import webhdfs
from wfo.eda.engine.analyse import analyse_file
from wfo.eda.errors import BadSource, UnreadableSource
from wfo.eda.sources import Source, parse_source
from wfo.settings import get_settings

from helpers.webhdfs_double import WebHdfsDouble, webhdfs_double

CSV = "id,colour\n1,red\n2,green\n3,blue\n"


def parse(text: str) -> Source:
    return parse_source(text, get_settings())


def test_a_webhdfs_or_hdfs_source_names_a_connection_and_an_absolute_path() -> None:
    source = parse("webhdfs://hdfs_prod/data/sales%20q1.csv")
    assert (source.scheme, source.conn_id, source.path) == ("webhdfs", "hdfs_prod", "/data/sales q1.csv")
    assert source.slug == "webhdfs_hdfs_prod_data_sales_20q1.csv"
    hdfs = parse("hdfs://hdfs_prod/warehouse/x.TSV")
    assert (hdfs.scheme, hdfs.path) == ("hdfs", "/warehouse/x.TSV")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("webhdfs:///data/x.csv", "connection id"),
        ("webhdfs://bad id/data/x.csv", "connection id"),
        ("hdfs://user@nn:9870/data/x.csv", "connection id"),
        ("webhdfs://hdfs_prod", "absolute path"),
        ("webhdfs://hdfs_prod/", "absolute path"),
        ("webhdfs://hdfs_prod//data/x.csv", "absolute path"),
        ("webhdfs://hdfs_prod/data/../etc/x.csv", "'..'"),
        ("webhdfs://hdfs_prod/data/%2e%2e/x.csv", "'..'"),
        ("webhdfs://hdfs_prod/data/./x.csv", "'..'"),
        ("webhdfs://hdfs_prod/data/x.parquet", "CSV, TSV or Excel"),
        ("hdfs://hdfs_prod/data/", "empty parts"),
        ("webhdfs://hdfs_prod/data/x.csv?op=DELETE", "no query"),
        ("webhdfs://hdfs_prod/data/x%0a.csv", "absolute path"),
    ],
)
def test_a_bad_webhdfs_source_is_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(BadSource, match=reason):
        parse(text)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[WebHdfsDouble]:
    (tmp_path / "hdfs" / "data").mkdir(parents=True)
    (tmp_path / "hdfs" / "data" / "x.csv").write_text(CSV)
    with webhdfs_double(tmp_path / "hdfs") as double:
        yield double


def connect(monkeypatch: pytest.MonkeyPatch, double: WebHdfsDouble, **fields: object) -> None:
    conn = {"conn_type": "webhdfs", "host": double.host, "port": double.port, "login": "analyst"} | fields
    monkeypatch.setenv("AIRFLOW_CONN_EDA_HDFS", json.dumps(conn))


def test_the_file_is_copied_as_the_connections_user_and_profiled_like_a_local_file(
    served: WebHdfsDouble, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect(monkeypatch, served)
    monkeypatch.setattr(webhdfs, "CHUNK_BYTES", 10)  # ranged OPENs, each through the DataNode redirect
    source = parse("webhdfs://eda_hdfs/data/x.csv")
    copy = webhdfs.fetch_webhdfs(source, tmp_path)
    assert copy.read_text() == CSV
    assert set(served.users) == {"analyst"}
    assert ("GETFILESTATUS", "/data/x.csv") in served.requests
    assert ("datanode:OPEN", "/data/x.csv") in served.requests
    report = analyse_file(copy, source=source.text, kind="preliminary")
    assert report.overview.rows == 3 and list(report.columns) == ["id", "colour"]


def test_a_file_over_the_limit_is_refused_before_a_byte_is_read(
    served: WebHdfsDouble, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect(monkeypatch, served)
    monkeypatch.setattr(webhdfs, "MAX_BYTES", len(CSV) - 1)
    with pytest.raises(UnreadableSource, match=f"is {len(CSV)} bytes; EDA copies remote files of at most"):
        webhdfs.fetch_webhdfs(parse("hdfs://eda_hdfs/data/x.csv"), tmp_path)
    assert [op for op, _ in served.requests] == ["GETFILESTATUS"]
    assert list(tmp_path.glob("webhdfs*")) == []


def test_missing_things_end_with_a_clear_message(
    served: WebHdfsDouble, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(UnreadableSource, match="no Airflow connection 'eda_hdfs'"):
        webhdfs.fetch_webhdfs(parse("webhdfs://eda_hdfs/data/x.csv"), tmp_path)
    connect(monkeypatch, served)
    with pytest.raises(UnreadableSource, match="no such file in HDFS .*File does not exist: /data/nope.csv"):
        webhdfs.fetch_webhdfs(parse("webhdfs://eda_hdfs/data/nope.csv"), tmp_path)
    (served.root / "data" / "dir.csv").mkdir()
    with pytest.raises(UnreadableSource, match="is a directory, not a file"):
        webhdfs.fetch_webhdfs(parse("webhdfs://eda_hdfs/data/dir.csv"), tmp_path)
    served.datanode_status = 503
    with pytest.raises(UnreadableSource, match="WebHDFS failed: 503 Server Error"):
        webhdfs.fetch_webhdfs(parse("webhdfs://eda_hdfs/data/x.csv"), tmp_path)
    assert list(tmp_path.glob("webhdfs*")) == []
    connect(monkeypatch, served, port=1)
    with pytest.raises(UnreadableSource, match="WebHDFS failed: .*Connection refused"):
        webhdfs.fetch_webhdfs(parse("webhdfs://eda_hdfs/data/x.csv"), tmp_path)
    connect(monkeypatch, served, conn_type="postgres")
    with pytest.raises(BadSource, match="of type 'postgres'; webhdfs:// reads through a connection of type"):
        webhdfs.fetch_webhdfs(parse("webhdfs://eda_hdfs/data/x.csv"), tmp_path)


def test_the_connections_extra_asks_for_https(served: WebHdfsDouble, monkeypatch: pytest.MonkeyPatch) -> None:
    connect(monkeypatch, served, extra=json.dumps({"use_ssl": "true", "verify": False}))
    source = parse("webhdfs://eda_hdfs/data/x.csv")
    from airflow.sdk import BaseHook

    fs = webhdfs.file_system(source, BaseHook.get_connection("eda_hdfs"))
    assert fs.url == f"https://{served.host}:{served.port}/webhdfs/v1" and fs.session.verify is False
    assert fs.pars == {"user.name": "analyst"}
