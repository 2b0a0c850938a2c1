"""`s3://` sources: the parser's refusals, and the worker's copy from the S3 double (moto's S3 server with
IAM authentication: tests/helpers/s3_double.py), the connection given as Airflow's `AIRFLOW_CONN_*`
variable."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from wfo.eda import s3
from wfo.eda.engine.analyse import analyse_file
from wfo.eda.errors import BadSource, UnreadableSource
from wfo.eda.sources import Source, parse_source
from wfo.settings import get_settings

from helpers.s3_double import S3Double, s3_double

CSV = "id,colour\n1,red\n2,green\n3,blue\n"
BUCKET = "eda-data"


def parse(text: str) -> Source:
    return parse_source(text, get_settings())


def test_an_s3_source_names_a_bucket_a_key_and_optionally_a_connection() -> None:
    source = parse("s3://eda-data/sales/q1%20north.csv")
    assert (source.scheme, source.bucket, source.path) == ("s3", "eda-data", "sales/q1 north.csv")
    assert source.conn_id == "aws_default"
    assert source.slug == "s3_eda-data_sales_q1_20north.csv"
    named = parse("s3://logs.example.org/x/y.XLSX?conn=minio_prod")
    assert (named.bucket, named.path, named.conn_id) == ("logs.example.org", "x/y.XLSX", "minio_prod")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("s3://Eda-Data/x.csv", "not a valid S3 bucket name"),
        ("s3://ab/x.csv", "not a valid S3 bucket name"),
        ("s3://-eda/x.csv", "not a valid S3 bucket name"),
        ("s3://eda..data/x.csv", "not a valid S3 bucket name"),
        ("s3://eda_data/x.csv", "not a valid S3 bucket name"),
        ("s3://192.168.1.10/x.csv", "not a valid S3 bucket name"),
        ("s3://xn--eda/x.csv", "not a valid S3 bucket name"),
        ("s3://eda-s3alias/x.csv", "not a valid S3 bucket name"),
        ("s3://key:secret@eda/x.csv", "not a valid S3 bucket name"),
        ("s3:///x.csv", "not a valid S3 bucket name"),
        ("s3://eda-data", "object key"),
        ("s3://eda-data/", "object key"),
        ("s3://eda-data/a%0a.csv", "printable"),
        ("s3://eda-data/a%ff.csv", "percent-encoded UTF-8"),
        (f"s3://eda-data/{'k' * 1021}.csv", "at most 1024 bytes"),
        ("s3://eda-data/data/../secret.csv", "'..'"),
        ("s3://eda-data/data/%2e%2e/secret.csv", "'..'"),
        ("s3://eda-data/./x.csv", "'..'"),
        ("s3://eda-data//x.csv", "empty parts"),
        ("s3://eda-data/x.parquet", "CSV, TSV or Excel"),
        ("s3://eda-data/x.csv.gz", "CSV, TSV or Excel"),
        ("s3://eda-data/x.csv?conn=bad id", "only conn="),
        ("s3://eda-data/x.csv?versionId=3", "only conn="),
        ("s3://eda-data/x.csv?", "only conn="),
        ("s3://eda-data/x.csv?conn=a&conn=b", "cannot be read"),
        ("s3://eda-data/x.csv#frag", "no fragment"),
    ],
)
def test_a_bad_s3_source_is_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(BadSource, match=reason):
        parse(text)


@pytest.fixture(scope="module")
def served() -> Iterator[S3Double]:
    with s3_double() as double:
        double.client().create_bucket(Bucket=BUCKET)
        double.client().put_object(Bucket=BUCKET, Key="data/x.csv", Body=CSV.encode())
        yield double


def connect(monkeypatch: pytest.MonkeyPatch, double: S3Double, **fields: object) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_EDA_S3", json.dumps(double.connection(**fields)))


def test_the_object_is_copied_with_the_connections_keys_and_profiled_like_a_local_file(
    served: S3Double, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect(monkeypatch, served)
    monkeypatch.setattr(s3, "CHUNK_BYTES", 10)
    served.requests.clear()
    source = parse(f"s3://{BUCKET}/data/x.csv?conn=eda_s3")
    copy = s3.fetch_s3(source, tmp_path)
    assert copy.read_text() == CSV
    assert served.requests == [("HEAD", f"/{BUCKET}/data/x.csv"), ("GET", f"/{BUCKET}/data/x.csv")]
    report = analyse_file(copy, source=source.text, kind="preliminary")
    assert report.overview.rows == 3 and list(report.columns) == ["id", "colour"]


def test_temporary_credentials_need_their_session_token(
    served: S3Double, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_id, secret, token = served.temporary_credentials()
    source = parse(f"s3://{BUCKET}/data/x.csv?conn=eda_s3")
    extra = {"endpoint_url": served.endpoint_url, "aws_session_token": token}
    connect(monkeypatch, served, login=key_id, password=secret, extra=json.dumps(extra))
    assert s3.fetch_s3(source, tmp_path).read_text() == CSV
    wrong = json.dumps(extra | {"aws_session_token": token[:-4] + "AAAA"})
    connect(monkeypatch, served, login=key_id, password=secret, extra=wrong)
    (tmp_path / "again").mkdir()
    with pytest.raises(
        UnreadableSource, match="access denied .*check the access key, secret and session token"
    ):
        s3.fetch_s3(source, tmp_path / "again")
    assert list((tmp_path / "again").iterdir()) == []


def test_an_object_over_the_limit_is_refused_before_a_byte_is_read(
    served: S3Double, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect(monkeypatch, served)
    monkeypatch.setattr(s3, "MAX_BYTES", len(CSV) - 1)
    served.requests.clear()
    with pytest.raises(UnreadableSource, match=f"is {len(CSV)} bytes; EDA copies remote files of at most"):
        s3.fetch_s3(parse(f"s3://{BUCKET}/data/x.csv?conn=eda_s3"), tmp_path)
    assert served.requests == [("HEAD", f"/{BUCKET}/data/x.csv")]  # no GET
    assert list(tmp_path.iterdir()) == []


def test_missing_things_and_wrong_keys_end_with_a_clear_message(
    served: S3Double, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = parse(f"s3://{BUCKET}/data/x.csv?conn=eda_s3")
    with pytest.raises(UnreadableSource, match="no Airflow connection 'eda_s3'"):
        s3.fetch_s3(source, tmp_path)
    connect(monkeypatch, served)
    with pytest.raises(UnreadableSource, match="no object 'data/nope.csv' in bucket 'eda-data'"):
        s3.fetch_s3(parse(f"s3://{BUCKET}/data/nope.csv?conn=eda_s3"), tmp_path)
    with pytest.raises(UnreadableSource, match="no object 'x.csv' in bucket 'no-such-bucket'"):
        s3.fetch_s3(parse("s3://no-such-bucket/x.csv?conn=eda_s3"), tmp_path)
    connect(monkeypatch, served, password="not-the-secret")
    with pytest.raises(
        UnreadableSource, match="access denied .*check the access key and secret of connection"
    ):
        s3.fetch_s3(source, tmp_path)
    connect(monkeypatch, served, login="AKIAUNKNOWN0000000000")
    with pytest.raises(UnreadableSource, match="access denied"):
        s3.fetch_s3(source, tmp_path)
    assert list(tmp_path.iterdir()) == []
    connect(monkeypatch, served, extra=json.dumps({"endpoint_url": "http://127.0.0.1:1"}))
    with pytest.raises(UnreadableSource, match="S3 failed: Could not connect to the endpoint URL"):
        s3.fetch_s3(source, tmp_path)
    for endpoint in ("file:///etc", "http://[::1"):
        connect(monkeypatch, served, extra=json.dumps({"endpoint_url": endpoint}))
        with pytest.raises(BadSource, match="endpoint_url must be an http"):
            s3.fetch_s3(source, tmp_path)
    connect(
        monkeypatch, served, extra=json.dumps({"endpoint_url": served.endpoint_url, "region_name": "a b"})
    )
    with pytest.raises(BadSource, match="cannot be used for S3: Provided region_name 'a b' doesn't match"):
        s3.fetch_s3(source, tmp_path)
    connect(monkeypatch, served, password="")
    with pytest.raises(BadSource, match="needs the access key id as its login and the secret access key"):
        s3.fetch_s3(source, tmp_path)
    connect(monkeypatch, served, conn_type="postgres")
    with pytest.raises(BadSource, match="of type 'postgres'; s3:// reads through a connection of type aws"):
        s3.fetch_s3(source, tmp_path)


def test_the_connections_extra_sets_the_region_and_the_tls_check(served: S3Double) -> None:
    from airflow.sdk.definitions.connection import Connection

    extra = {"endpoint_url": "https://s3.internal:9000", "region_name": "eu-west-3", "verify": "false"}
    connection = Connection(
        conn_id="eda_s3", conn_type="aws", login="k", password="s", extra=json.dumps(extra)
    )
    client = s3.client(parse("s3://eda-data/x.csv?conn=eda_s3"), connection)
    assert client.meta.endpoint_url == "https://s3.internal:9000" and client.meta.region_name == "eu-west-3"
    assert client._endpoint.http_session._verify is False
