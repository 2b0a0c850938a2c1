"""Spark arguments and confs of a config group: what is accepted, normalised, refused, and what counts as code."""

from __future__ import annotations

from typing import Any

import pytest

from wfo.clusters.errors import InvalidGroupInput
from wfo.clusters.spark_args import (
    KNOWN_ARGUMENTS,
    SparkSettingsError,
    code_changes,
    code_settings_changed,
    is_code_argument,
    is_code_conf,
    non_code_settings_changed,
    to_spark_submit_options,
    validate_spark_settings,
)

DEPENDENCIES = {"a.jar", "b.jar", "helpers.py", "lib.zip", "old.egg", "notes.txt"}
KEYTABS = {"etl.keytab"}


def validate(arguments: dict[str, Any], confs: dict[str, Any] | None = None) -> tuple[dict, dict]:
    return validate_spark_settings(arguments, confs or {}, dependencies=DEPENDENCIES, keytabs=KEYTABS)


def refusal(arguments: dict[str, Any], confs: dict[str, Any] | None = None) -> dict[str, str]:
    with pytest.raises(SparkSettingsError) as caught:
        validate(arguments, confs)
    assert str(caught.value).startswith("invalid Spark settings: ")
    return caught.value.errors


def test_known_arguments_table_has_the_manual_arguments_and_no_conf() -> None:
    names = [entry["name"] for entry in KNOWN_ARGUMENTS]
    for name in (
        "master",
        "deploy-mode",
        "queue",
        "principal",
        "keytab",
        "jars",
        "py-files",
        "files",
        "driver-memory",
        "executor-memory",
        "executor-cores",
        "num-executors",
        "proxy-user",
    ):
        assert name in names
    assert "conf" not in names and "name" not in names and "class" not in names
    assert len(names) == len(set(names))
    deploy = next(entry for entry in KNOWN_ARGUMENTS if entry["name"] == "deploy-mode")
    assert deploy["kind"] == "choice" and deploy["choices"] == ["client", "cluster"]
    assert all(
        entry["kind"] in ("string", "memory", "integer", "list", "choice") for entry in KNOWN_ARGUMENTS
    )


def test_valid_settings_are_normalised() -> None:
    arguments, confs = validate(
        {
            " master ": " yarn ",
            "--deploy-mode": "cluster",
            "jars": " a.jar, b.jar ,,a.jar",
            "py-files": ["helpers.py", " lib.zip", "old.egg"],
            "files": "hdfs:///data/lookup.csv",
            "driver-memory": "2g",
            "executor-memory": "512M",
            "num-executors": 4,
            "executor-cores": "2",
            "keytab": "etl.keytab",
            "queue": "",
            "archives": [],
        },
        {
            "spark.scheduler.mode": " FAIR ",
            "spark.dynamicAllocation.enabled": True,
            "spark.executor.instances": 3,
        },
    )
    assert arguments == {
        "master": "yarn",
        "deploy-mode": "cluster",
        "jars": ["a.jar", "b.jar"],
        "py-files": ["helpers.py", "lib.zip", "old.egg"],
        "files": ["hdfs:///data/lookup.csv"],
        "driver-memory": "2g",
        "executor-memory": "512M",
        "num-executors": "4",
        "executor-cores": "2",
        "keytab": "etl.keytab",
    }
    assert confs == {
        "spark.scheduler.mode": "FAIR",
        "spark.dynamicAllocation.enabled": "true",
        "spark.executor.instances": "3",
    }


@pytest.mark.parametrize("size", ["512m", "2g", "1024", "4G", "10gb", "300k", "1t", "64mb"])
def test_memory_sizes_in_jvm_form_are_accepted(size: str) -> None:
    assert validate({"driver-memory": size})[0] == {"driver-memory": size}


@pytest.mark.parametrize("size", ["2 GB", "-1g", "1.5g", "0", "0m", "g", "2x", "two"])
def test_other_memory_sizes_are_refused_with_the_expected_form(size: str) -> None:
    errors = refusal({"executor-memory": size})
    assert list(errors) == ["executor-memory"]
    assert f"'{size}' is not a memory size" in errors["executor-memory"]
    assert "512m, 2g or 1024" in errors["executor-memory"]


@pytest.mark.parametrize("value", ["0", "-2", "1.5", "two", "+3", 1.5])
def test_integers_must_be_whole_and_positive(value: Any) -> None:
    errors = refusal({"num-executors": value})
    assert "whole number greater than 0" in errors["num-executors"]


def test_booleans_are_not_integers() -> None:
    errors = refusal({"executor-cores": True})
    assert "'true' is not a whole number" in errors["executor-cores"]


def test_choice_must_be_one_of_the_choices() -> None:
    errors = refusal({"deploy-mode": "Cluster"})
    assert errors == {"deploy-mode": "'Cluster' is not one of client, cluster"}


def test_unknown_argument_is_named_with_the_closest_known_one() -> None:
    errors = refusal({"executor_memory": "2g", "num-executor": "2", "frobnicate": "x"})
    assert errors["executor_memory"] == (
        "'executor_memory' is not a spark-submit argument we accept; did you mean 'executor-memory'?"
    )
    assert "did you mean 'num-executors'?" in errors["num-executor"]
    assert errors["frobnicate"] == "'frobnicate' is not a spark-submit argument we accept"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("conf", "add each --conf key=value under Configurations"),
        ("name", "app_name"),
        ("class", "class_path"),
    ],
)
def test_options_the_group_does_not_hold_explain_where_they_go(name: str, expected: str) -> None:
    assert expected in refusal({name: "x"})[name]


def test_jars_must_be_jar_files_from_the_dependencies_repository() -> None:
    errors = refusal({"jars": "a.jar,missing.jar"})
    assert (
        errors["jars"] == "'missing.jar' is not in the Spark dependencies repository; upload it there first"
    )
    assert refusal({"jars": ["notes.txt"]})["jars"] == "'notes.txt' is not a .jar file"
    assert refusal({"jars": ["helpers.py"]})["jars"] == "'helpers.py' is not a .jar file"


def test_py_files_must_be_py_zip_or_egg_from_the_repository() -> None:
    assert refusal({"py-files": ["a.jar"]})["py-files"] == "'a.jar' is not a .py / .zip / .egg file"
    assert "not in the Spark dependencies repository" in refusal({"py-files": "gone.py"})["py-files"]


def test_list_entries_with_commas_or_non_text_are_refused() -> None:
    assert "contains a comma" in refusal({"files": ["a,b.csv"]})["files"]
    assert "entries must be text" in refusal({"files": [3]})["files"]
    assert "must be a list or a comma-separated text" in refusal({"archives": {"a": 1}})["archives"]


def test_keytab_must_be_one_of_the_groups_keytabs() -> None:
    assert refusal({"keytab": "other.keytab"}) == {
        "keytab": "'other.keytab' is not one of this group's keytabs (etl.keytab)"
    }
    with pytest.raises(SparkSettingsError, match="none uploaded yet"):
        validate_spark_settings({"keytab": "x.keytab"}, {}, dependencies=set(), keytabs=set())


def test_values_with_line_breaks_or_control_characters_are_refused() -> None:
    errors = refusal({"driver-java-options": "-Da=1\n-Db=2"}, {"spark.app.x": "a\tb", "spark.app.y": "a\x00"})
    assert "U+000A" in errors["driver-java-options"]
    assert "U+0009" in errors["spark.app.x"]
    assert "U+0000" in errors["spark.app.y"]
    assert "must be a single value" in refusal({"master": ["yarn"]})["master"]


def test_conf_keys_must_be_spark_keys() -> None:
    errors = refusal(
        {}, {"fs.defaultFS": "hdfs://nn:8020", "spark.a b": "1", "spark.x=y": "1", "sparky": "1"}
    )
    assert errors["fs.defaultFS"] == (
        "'fs.defaultFS' is not a Spark conf key; Hadoop properties are passed as 'spark.hadoop.fs.defaultFS'"
    )
    for key in ("spark.a b", "spark.x=y", "sparky"):
        assert "must start with 'spark.'" in errors[key]
    ok = validate(
        {}, {"spark.hadoop.fs.defaultFS": "hdfs://nn:8020", "spark.kubernetes.driver.label.app/x": "y"}
    )
    assert ok[1]["spark.hadoop.fs.defaultFS"] == "hdfs://nn:8020"


def test_conf_values_must_be_non_empty_text() -> None:
    errors = refusal({}, {"spark.a": "", "spark.b": None, "spark.c": ["x"]})
    assert errors["spark.a"] == "the value is empty; give a value or remove the configuration"
    assert errors["spark.b"] == errors["spark.c"] == "the value must be text"


@pytest.mark.parametrize("key", ["spark.workflow.taskId", "spark.workflow.dagId"])
def test_workflow_confs_are_reserved_for_the_operators(key: str) -> None:
    assert refusal({}, {key: "x"}) == {
        key: f"'{key}' is set by the operators for every job and cannot be configured"
    }


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(SparkSettingsError) as caught:
        validate(
            {"driver-memory": "lots", "num-executors": "0", "mastr": "yarn"}, {"spark.workflow.dagId": "d"}
        )
    assert set(caught.value.errors) == {"driver-memory", "num-executors", "mastr", "spark.workflow.dagId"}
    assert "driver-memory: 'lots' is not a memory size" in str(caught.value)
    # Refused input (422), answered as such by the API's one error handler.
    assert isinstance(caught.value, InvalidGroupInput) and caught.value.status == 422


def test_arguments_and_confs_must_be_objects() -> None:
    with pytest.raises(SparkSettingsError) as caught:
        validate_spark_settings(["master"], "x", dependencies=set(), keytabs=set())  # type: ignore[arg-type]
    assert set(caught.value.errors) == {"arguments", "confs"}


@pytest.mark.parametrize(
    "name",
    [
        "jars",
        "py-files",
        "files",
        "archives",
        "packages",
        "repositories",
        "driver-java-options",
        "driver-class-path",
        "driver-library-path",
        "properties-file",
    ],
)
def test_code_arguments(name: str) -> None:
    assert is_code_argument(name)


@pytest.mark.parametrize(
    "name", ["master", "deploy-mode", "queue", "driver-memory", "keytab", "principal", "nope"]
)
def test_non_code_arguments(name: str) -> None:
    assert not is_code_argument(name)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("spark.driver.extraJavaOptions", "-Dx=1"),
        ("spark.executor.extraClassPath", "/opt/lib/*"),
        ("spark.driver.extraLibraryPath", "/opt/native"),
        ("spark.pyspark.python", "/opt/py/bin/python"),
        ("spark.pyspark.driver.python", "python3"),
        ("spark.yarn.appMasterEnv.PYSPARK_PYTHON", "python3"),
        ("spark.executorEnv.PYSPARK_PYTHON", "python3"),
        ("spark.executorEnv.LD_PRELOAD", "/tmp/x.so"),
        ("spark.jars", "hdfs:///x.jar"),
        ("spark.jars.packages", "g:a:1"),
        ("spark.submit.pyFiles", "x.py"),
        ("spark.files", "x.txt"),
        ("spark.archives", "x.zip"),
        ("spark.driver.defaultJavaOptions", "-Dx=1"),
        ("spark.yarn.dist.jars", "x.jar"),
        ("spark.yarn.jars", "x.jar"),
        # Unknown keys are code too: the rule is an allow-list.
        ("spark.filesx", "1"),
        ("spark.some.future.setting", "true"),
        ("spark.hadoop.hadoop.security.group.mapping", "org.example.Mapping"),
        # A tuning key with a value outside its rule.
        ("spark.executor.memory", "${env:HOME}"),
        ("spark.io.compression.codec", "org.example.ShellCodec"),
        ("spark.hadoop.fs.defaultFS", "file:///tmp"),
    ],
)
def test_code_confs(key: str, value: str) -> None:
    assert is_code_conf(key, value)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("spark.executor.memory", "4g"),
        ("spark.scheduler.mode", "FAIR"),
        ("spark.scheduler.mode", "fifo"),
        ("spark.hadoop.fs.defaultFS", "hdfs://nn.example.com:8020"),
        ("spark.driver.cores", "2"),
        ("spark.io.compression.codec", "zstd"),
    ],
)
def test_non_code_confs(key: str, value: str) -> None:
    assert not is_code_conf(key, value)


def test_changes_are_classified_as_code_or_not() -> None:
    args = {"master": "yarn", "jars": ["a.jar"]}
    confs = {"spark.scheduler.mode": "FAIR", "spark.pyspark.python": "/usr/bin/python3"}
    more_memory = ({**args, "driver-memory": "4g"}, confs)
    other_python = (args, {**confs, "spark.pyspark.python": "/opt/py/bin/python"})
    fewer_jars = ({"master": "yarn"}, confs)

    assert non_code_settings_changed(args, confs, *more_memory)
    assert not code_settings_changed(args, confs, *more_memory)
    assert code_settings_changed(args, confs, *other_python)
    assert not non_code_settings_changed(args, confs, *other_python)
    assert code_settings_changed(args, confs, *fewer_jars)
    assert not code_settings_changed(args, confs, dict(args), dict(confs))
    assert not non_code_settings_changed(args, confs, dict(args), dict(confs))
    # A tuning key whose value leaves its rule becomes a code setting, and going back is a code change too.
    smuggled = (args, {**confs, "spark.scheduler.mode": "org.example.Mode"})
    assert code_changes(args, confs, *smuggled) == [
        "spark.scheduler.mode ('org.example.Mode' is not one of FIFO, FAIR)"
    ]
    assert code_changes(*smuggled, args, confs) == ["spark.scheduler.mode (removes a code setting)"]


@pytest.mark.parametrize("key", ["spark.kerberos.keytab", "spark.yarn.keytab"])
def test_keytab_confs_are_refused_in_favour_of_the_keytab_argument(key: str) -> None:
    # Refused for every role: a path on the worker is never the group's keytab (see KEYTAB_CONFS).
    for value in ("etl.keytab", "/etc/security/keytabs/hdfs.headless.keytab"):
        errors = refusal({}, {key: value})
        assert "choose one of this group's keytabs with the 'keytab' argument" in errors[key]


def test_spark_submit_options_follow_the_table_order() -> None:
    options = to_spark_submit_options(
        {
            "jars": ["/r/a.jar", "/r/b.jar"],
            "master": "yarn",
            "num-executors": "2",
            "verbose": "true",
            "supervise": "false",
            "queue": "",
        },
        {"spark.scheduler.mode": "FAIR", "spark.hadoop.x": "a=b"},
    )
    assert options == [
        "--master",
        "yarn",
        "--num-executors",
        "2",
        "--jars",
        "/r/a.jar,/r/b.jar",
        "--verbose",
        "--conf",
        "spark.scheduler.mode=FAIR",
        "--conf",
        "spark.hadoop.x=a=b",
    ]
