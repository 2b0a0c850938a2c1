"""The legacy DAG upgrade: each rewrite rule, what it reports, and that it keeps the user's file intact."""

from __future__ import annotations

import ast
import textwrap

import pytest

from wfo.dagfiles.upgrade import UpgradeIssue, UpgradeResult, is_legacy, upgrade_source


def checked(source: str) -> UpgradeResult:
    """Upgrade, and hold the invariants every input must keep: is_legacy agrees, a second run is a no-op."""
    result = upgrade_source(source)
    assert is_legacy(source) == (result.changed or bool(result.issues))
    again = upgrade_source(result.source)
    assert again.source == result.source
    assert again.issues == [] or result.issues != []
    return result


def up(source: str) -> str:
    return checked(textwrap.dedent(source)).source


def issues(source: str) -> list[UpgradeIssue]:
    return checked(textwrap.dedent(source)).issues


@pytest.mark.parametrize(
    ("legacy", "modern"),
    [
        (
            "from airflow.operators import CoutureSparkOperator\n",
            "from wfo.operators import CoutureSparkOperator\n",
        ),
        (
            "from airflow.operators import SparkOperator, PySparkOperator, CoutureDaskYarnOperator\n",
            "from wfo.operators import SparkOperator, PySparkOperator, CoutureDaskYarnOperator\n",
        ),
        (
            "from airflow.operators import TensorflowOperator, CoutureTensorflowOperator\n",
            "from wfo.operators import TensorflowOperator, CoutureTensorflowOperator\n",
        ),
        (
            "from airflow.operators import CoutureJupyterOperator, CoutureLoopableBatchOperator\n",
            "from wfo.operators import CoutureJupyterOperator, CoutureLoopableBatchOperator\n",
        ),
        (
            "from airflow.operators.dag_operator import SkippableDagOperator, DagOperator\n",
            "from wfo.operators import SkippableDagOperator, DagOperator\n",
        ),
        (
            "from airflow.operators.bash_operator import BashOperator\n",
            "from airflow.providers.standard.operators.bash import BashOperator\n",
        ),
        (
            "from airflow.operators.python_operator import PythonOperator, BranchPythonOperator\n",
            "from airflow.providers.standard.operators.python import PythonOperator, BranchPythonOperator\n",
        ),
        (
            "from airflow.operators.dagrun_operator import TriggerDagRunOperator\n",
            "from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator\n",
        ),
        ("from airflow import DAG\n", "from airflow.sdk import DAG\n"),
        ("from airflow.models import DAG\n", "from airflow.sdk import DAG\n"),
        ("from airflow.models import Variable\n", "from airflow.sdk import Variable\n"),
        ("from airflow.decorators import dag, task\n", "from airflow.sdk import dag, task\n"),
        (
            "from airflow.operators.bash import BashOperator\n",
            "from airflow.providers.standard.operators.bash import BashOperator\n",
        ),
    ],
)
def test_imports_move_to_airflow_3_and_wfo(legacy: str, modern: str) -> None:
    assert up(legacy) == modern


def test_import_from_airflow_operators_is_split_by_destination() -> None:
    source = "from airflow.operators import BashOperator, CoutureSparkOperator\n"
    assert up(source) == (
        "from airflow.providers.standard.operators.bash import BashOperator\n"
        "from wfo.operators import CoutureSparkOperator\n"
    )


def test_mixed_airflow_models_import_keeps_the_names_that_still_live_there() -> None:
    assert up("from airflow.models import DAG, TaskInstance\n") == (
        "from airflow.sdk import DAG\nfrom airflow.models import TaskInstance\n"
    )


def test_dummy_operator_becomes_empty_operator_everywhere() -> None:
    result = up(
        """\
        from airflow.operators.dummy_operator import DummyOperator
        start = DummyOperator(task_id='start', dag=dag)
        end = DummyOperator(task_id='end', dag=dag)
        """
    )
    assert result == (
        "from airflow.providers.standard.operators.empty import EmptyOperator\n"
        "start = EmptyOperator(task_id='start', dag=dag)\n"
        "end = EmptyOperator(task_id='end', dag=dag)\n"
    )


def test_aliased_dummy_operator_keeps_its_alias() -> None:
    assert up("from airflow.operators.dummy_operator import DummyOperator as Noop\nNoop(task_id='a')\n") == (
        "from airflow.providers.standard.operators.empty import EmptyOperator as Noop\nNoop(task_id='a')\n"
    )


def test_parenthesized_multiline_import_keeps_its_layout() -> None:
    source = "from airflow.operators import (CoutureTensorflowOperator,\n    CoutureLoopableBatchOperator)\n"
    assert up(source) == (
        "from wfo.operators import (CoutureTensorflowOperator,\n    CoutureLoopableBatchOperator)\n"
    )


def test_comments_inside_a_split_import_are_kept_above_it() -> None:
    source = (
        "from airflow.operators import (  # ops\n    BashOperator,  # shell\n    CoutureSparkOperator,\n)\n"
    )
    assert up(source) == (
        "# ops\n# shell\n"
        "from airflow.providers.standard.operators.bash import BashOperator\n"
        "from wfo.operators import CoutureSparkOperator\n"
    )


def test_imports_inside_functions_are_upgraded_too() -> None:
    source = "def build():\n    from airflow.operators.bash_operator import BashOperator\n    return BashOperator\n"
    assert up(source) == (
        "def build():\n    from airflow.providers.standard.operators.bash import BashOperator\n"
        "    return BashOperator\n"
    )


def test_windows_line_endings_are_kept() -> None:
    result = up("from airflow import DAG\r\nwith DAG('x', schedule_interval=None) as dag:\r\n    pass\r\n")
    assert result == "from airflow.sdk import DAG\r\nwith DAG('x', schedule=None) as dag:\r\n    pass\r\n"


def test_schedule_interval_becomes_schedule() -> None:
    result = up(
        """\
        from airflow import DAG
        dag = DAG('dag',
                   default_args=default_args,
                   schedule_interval=timedelta(days=1))
        """
    )
    assert "schedule=timedelta(days=1))" in result
    assert "schedule_interval" not in result
    assert "           default_args=default_args,\n" in result  # the continuation lines keep their indent


def test_dag_without_schedule_keeps_the_legacy_daily_default() -> None:
    result = up(
        """\
        from datetime import datetime
        from airflow import DAG
        dag = DAG('daily', start_date=datetime(2020, 1, 1))
        """
    )
    assert "dag = DAG('daily', start_date=datetime(2020, 1, 1), schedule=timedelta(days=1))" in result
    # Added to the file's own import from datetime (libcst's AddImportsVisitor).
    assert "from datetime import timedelta, datetime\n" in result
    compile(result, "dag.py", "exec")


def test_a_needed_import_goes_after_the_imports_of_the_module() -> None:
    assert up("from airflow import DAG\ndag = DAG('daily')\n") == (
        "from airflow.sdk import DAG\nfrom datetime import timedelta\n"
        "\ndag = DAG('daily', schedule=timedelta(days=1))\n"
    )


def test_default_schedule_respects_a_trailing_comma_layout() -> None:
    result = up(
        """\
        from datetime import timedelta
        from airflow import DAG
        dag = DAG(
            'daily',
            catchup=False,
        )
        """
    )
    assert "    catchup=False,\n    schedule=timedelta(days=1),\n)\n" in result
    assert result.count("from datetime import timedelta") == 1


def test_a_modern_dag_without_schedule_is_left_alone() -> None:
    source = "from airflow.sdk import DAG\ndag = DAG('x')\n"
    assert up(source) == source
    assert not is_legacy(source)


def test_dag_concurrency_becomes_max_active_tasks() -> None:
    assert "max_active_tasks=4" in up("from airflow import DAG\nDAG('x', schedule=None, concurrency=4)\n")


def test_provide_context_is_removed_without_leaving_a_dangling_comma() -> None:
    result = up(
        """\
        from airflow.operators.python_operator import PythonOperator
        a = PythonOperator(task_id='parse_recipes',
                           python_callable=parse_recipes,
                           provide_context=True)
        b = PythonOperator(
            task_id='print_the_context',
            provide_context=True,
            python_callable=print_context,
            dag=dag,
        )
        """
    )
    assert "provide_context" not in result
    assert "python_callable=parse_recipes)\n" in result
    assert "    task_id='print_the_context',\n    python_callable=print_context,\n    dag=dag,\n)" in result


def test_description_of_airflow_operators_becomes_doc_md_but_wfo_operators_keep_it() -> None:
    result = up(
        """\
        from airflow.operators.bash_operator import BashOperator
        from airflow.operators import CoutureSparkOperator
        t1 = BashOperator(task_id='print_date', bash_command='date', description='Print Date')
        t2 = CoutureSparkOperator(task_id='load', code_artifact='a.jar', description='Load')
        """
    )
    assert "BashOperator(task_id='print_date', bash_command='date', doc_md='Print Date')" in result
    assert "CoutureSparkOperator(task_id='load', code_artifact='a.jar', description='Load')" in result


def test_task_arguments_removed_in_airflow_3_are_renamed() -> None:
    result = up(
        """\
        from airflow.operators.bash_operator import BashOperator
        from airflow.operators.dagrun_operator import TriggerDagRunOperator
        BashOperator(task_id='a', bash_command='x', xcom_push=True, task_concurrency=2, trigger_rule='dummy')
        TriggerDagRunOperator(task_id='t', trigger_dag_id='x', execution_date='{{ ds }}',
                              trigger_rule='none_failed_or_skipped')
        """
    )
    assert "do_xcom_push=True, max_active_tis_per_dag=2, trigger_rule='always')" in result
    assert "logical_date='{{ ds }}'" in result
    assert "trigger_rule='none_failed_min_one_success'" in result


def test_sla_is_kept() -> None:
    result = upgrade_source(
        "from airflow.operators.bash_operator import BashOperator\n"
        "BashOperator(task_id='a', bash_command='x', sla=timedelta(hours=1))\n"
    )
    assert "sla=timedelta(hours=1)" in result.source
    assert result.issues == []


def test_execution_date_in_templates_becomes_logical_date_and_ds_stays() -> None:
    result = up(
        """\
        cmd = 'echo {{ execution_date }} {{ ds }} {{ dag_run.execution_date }} execution_date'
        sql = \"\"\"{% if execution_date.day == 1 %}SELECT 1{% endif %}\"\"\"
        """
    )
    assert "'echo {{ logical_date }} {{ ds }} {{ dag_run.logical_date }} execution_date'" in result
    assert '"""{% if logical_date.day == 1 %}SELECT 1{% endif %}"""' in result


def test_execution_date_in_context_access_becomes_logical_date() -> None:
    result = up(
        """\
        def f(ds, **kwargs):
            a = kwargs['execution_date']
            b = kwargs.get("execution_date")
            return a, b

        def g(context):
            return context['execution_date'], context['dag_run'].execution_date

        row = {'execution_date': 1}
        value = row['execution_date']
        """
    )
    assert "a = kwargs['logical_date']" in result
    assert 'b = kwargs.get("logical_date")' in result
    assert "return context['logical_date'], context['dag_run'].logical_date" in result
    # a dictionary that is not the task context keeps its keys
    assert "value = row['execution_date']" in result


def test_execution_date_parameter_of_a_task_callable_is_renamed() -> None:
    result = up(
        """\
        def report(execution_date, **kwargs):
            print(execution_date)

        def helper(execution_date):
            return execution_date

        PythonOperator(task_id='r', python_callable=report)
        """
    )
    assert "def report(logical_date, **kwargs):\n    print(logical_date)" in result
    assert "def helper(execution_date):\n    return execution_date" in result


def test_removed_template_and_context_variables_are_reported_with_lines() -> None:
    found = issues(
        """\
        cmd = 'echo {{ prev_ds }}'

        def f(**kwargs):
            return kwargs['next_execution_date']
        t = '{{ ti.execution_date }}'
        """
    )
    by_line = {issue.line: issue for issue in found}
    assert set(by_line) == {1, 4, 5}
    assert "prev_ds" in by_line[1].message and "data_interval_start" in by_line[1].hint
    assert "next_execution_date" in by_line[4].message and "data_interval_end" in by_line[4].hint
    assert "logical_date" in by_line[5].hint


def test_days_ago_becomes_a_pendulum_expression() -> None:
    result = up(
        """\
        \"\"\"My DAG.\"\"\"
        from airflow import DAG
        from airflow.utils.dates import days_ago

        args = {'start_date': days_ago(2)}
        other = days_ago(0)
        """
    )
    assert result == (
        '"""My DAG."""\n'
        "from airflow.sdk import DAG\n"
        "import pendulum\n"
        "\n"
        "args = {'start_date': pendulum.today(\"UTC\").subtract(days=2)}\n"
        'other = pendulum.today("UTC")\n'
    )


def test_days_ago_with_hour_is_reported_and_its_import_kept() -> None:
    result = upgrade_source("from airflow.utils.dates import days_ago\nstart = days_ago(1, hour=3)\n")
    assert "from airflow.utils.dates import days_ago" in result.source
    assert [issue.line for issue in result.issues] == [2]
    assert "pendulum" in result.issues[0].hint


def test_unused_subdag_imports_are_dropped_and_their_comments_kept() -> None:
    result = up(
        """\
        from airflow import DAG
        # sub-DAG machinery
        from airflow.example_dags.subdags.subdag import subdag
        from airflow.operators.subdag_operator import SubDagOperator  # not used any more

        appName = 'CoutureExample'
        """
    )
    assert result == (
        "from airflow.sdk import DAG\n"
        "# sub-DAG machinery\n"
        "# not used any more\n"
        "\n"
        "appName = 'CoutureExample'\n"
    )


def test_comments_of_an_import_removed_at_the_end_of_a_block_stay_there() -> None:
    source = "def build():\n    from airflow.operators.subdag_operator import SubDagOperator  # gone\n"
    assert up(source) == "def build():\n    # gone\n    pass\n"
    source = (
        "from airflow import DAG\n# sub-DAGs\n"
        "from airflow.operators.subdag_operator import SubDagOperator\n"
    )
    assert up(source) == "from airflow.sdk import DAG\n# sub-DAGs\n"


def test_an_import_already_at_its_new_place_is_dropped_with_its_comments_kept() -> None:
    source = (
        "from airflow.sdk import DAG\n# legacy\nfrom airflow.models import DAG  # old place\n"
        "dag = DAG('x', schedule=None)\n"
    )
    assert up(source) == "from airflow.sdk import DAG\n# legacy\n# old place\ndag = DAG('x', schedule=None)\n"


def test_a_use_the_upgrade_cannot_rewrite_keeps_the_import_and_is_reported_there() -> None:
    result = upgrade_source(
        "from airflow.utils.dates import days_ago\n"
        "from airflow.utils.decorators import apply_defaults\n"
        "start, wrap = days_ago, apply_defaults\n"
        "other = days_ago(1)\n"
    )
    assert result.source.startswith(
        "from airflow.utils.dates import days_ago\nfrom airflow.utils.decorators import apply_defaults\n"
    )
    assert 'other = pendulum.today("UTC").subtract(days=1)' in result.source
    assert [(issue.line, issue.message) for issue in result.issues] == [
        (1, "'days_ago' cannot be imported from 'airflow.utils.dates' on Airflow 3"),
        (2, "'apply_defaults' cannot be imported from 'airflow.utils.decorators' on Airflow 3"),
    ]


def test_used_subdag_operator_is_kept_and_reported_at_each_use() -> None:
    result = upgrade_source(
        textwrap.dedent(
            """\
            from airflow.operators.subdag_operator import SubDagOperator

            section = SubDagOperator(
                task_id='section',
                subdag=make(),
            )
            """
        )
    )
    assert "from airflow.operators.subdag_operator import SubDagOperator" in result.source
    assert sorted(issue.line for issue in result.issues) == [1, 3]
    assert all("TaskGroup" in issue.hint for issue in result.issues)


def test_unknown_names_of_removed_modules_are_reported_not_dropped() -> None:
    result = upgrade_source(
        "from airflow.operators.dagrun_operator import TriggerDagRunOperator, DagRunOrderX\n"
        "from airflow.contrib.operators.ssh_operator import SSHOperator\n"
        "from airflow.operators import MyPluginOperator\n"
    )
    assert "from airflow.operators.dagrun_operator import DagRunOrderX" in result.source
    assert "from airflow.contrib.operators.ssh_operator import SSHOperator" in result.source
    assert "from airflow.operators import MyPluginOperator" in result.source
    messages = {issue.line: issue.message for issue in result.issues}
    assert set(messages) == {1, 2, 3}
    assert (
        "DagRunOrderX" in messages[1] and "SSHOperator" in messages[2] and "MyPluginOperator" in messages[3]
    )


def test_apply_defaults_decorator_and_its_import_are_removed() -> None:
    result = up(
        """\
        from airflow.models import BaseOperator
        from airflow.utils.decorators import apply_defaults


        class MyOperator(BaseOperator):
            @apply_defaults
            def __init__(self, name, **kwargs):
                super().__init__(**kwargs)
        """
    )
    assert "apply_defaults" not in result
    assert "from airflow.sdk import BaseOperator\n" in result
    assert "class MyOperator(BaseOperator):\n    def __init__(self, name, **kwargs):\n" in result


def test_sensors_hooks_and_dag_run_order_move() -> None:
    result = up(
        """\
        from airflow.operators.sensors import ExternalTaskSensor
        from airflow.sensors.base_sensor_operator import BaseSensorOperator
        from airflow.hooks.base_hook import BaseHook
        from airflow.operators.dagrun_operator import DagRunOrder
        """
    )
    assert result == (
        "from airflow.providers.standard.sensors.external_task import ExternalTaskSensor\n"
        "from airflow.sdk import BaseSensorOperator\n"
        "from airflow.sdk import BaseHook\n"
        "from wfo.operators.dagrun import DagRunOrder\n"
    )


def test_trigger_dag_run_python_callable_is_reported() -> None:
    found = issues(
        """\
        from airflow.operators.dagrun_operator import TriggerDagRunOperator
        t = TriggerDagRunOperator(
            task_id='t',
            trigger_dag_id='x',
            python_callable=conditionally_trigger,
        )
        """
    )
    assert [issue.line for issue in found] == [5]
    assert "DagOperator" in found[0].hint


def test_positional_dag_arguments_are_reported() -> None:
    found = issues("from airflow import DAG\ndag = DAG('x', 'a description', schedule_interval=None)\n")
    assert [issue.line for issue in found] == [2]


def test_variable_default_var_becomes_default() -> None:
    assert up("from airflow.models import Variable\nbaz = Variable.get('baz', default_var=None)\n") == (
        "from airflow.sdk import Variable\nbaz = Variable.get('baz', default=None)\n"
    )


def test_comments_and_formatting_of_untouched_code_are_preserved() -> None:
    source = textwrap.dedent(
        """\
        # flake8: noqa
        from datetime import datetime, timedelta
        from airflow import DAG  # the DAG object
        from airflow.operators.dag_operator import DagOperator



        args = {
            'owner': 'couture',
            'start_date': datetime(2019, 4, 15),   # odd   spacing stays
        }

        schedule = None
        dag = DAG('DAGOperatorEx', default_args=args, schedule_interval=schedule)
        CheckFeatures = DagOperator(
            task_id='JupyterDAG2',
            dag=dag,
            run_dag_id='JupyterDAG'
        )
        """
    )
    result = upgrade_source(source)
    expected = (
        source.replace("from airflow import DAG  #", "from airflow.sdk import DAG  #")
        .replace("from airflow.operators.dag_operator import", "from wfo.operators import")
        .replace("schedule_interval=schedule", "schedule=schedule")
    )
    assert result.source == expected
    assert result.issues == []


def test_result_carries_a_unified_diff_and_serialises() -> None:
    result = upgrade_source("from airflow import DAG\n", filename="team/etl.py")
    assert result.changed
    assert result.diff.startswith("--- a/team/etl.py\n+++ b/team/etl.py\n")
    assert "-from airflow import DAG\n+from airflow.sdk import DAG\n" in result.diff
    data = result.model_dump()
    assert data["changed"] is True and data["source"] == "from airflow.sdk import DAG\n"
    assert data["issues"] == []


def test_issues_serialise_with_line_message_and_hint() -> None:
    result = upgrade_source("x = '{{ prev_ds }}'\n")
    assert result.model_dump()["issues"] == [
        {"line": 1, "message": result.issues[0].message, "hint": result.issues[0].hint}
    ]


LEGACY_FILE = textwrap.dedent(
    """\
    from airflow import DAG
    from airflow.operators import CoutureSparkOperator
    from airflow.operators.bash_operator import BashOperator
    from airflow.operators.python_operator import PythonOperator
    from airflow.operators.dummy_operator import DummyOperator
    from airflow.utils.dates import days_ago

    dag = DAG('x', start_date=days_ago(1), schedule_interval='@daily')

    def f(execution_date, **kwargs):
        return kwargs['execution_date'], execution_date

    a = BashOperator(task_id='a', bash_command='echo {{ execution_date }}', dag=dag, description='A')
    b = PythonOperator(task_id='b', python_callable=f, provide_context=True, dag=dag)
    c = DummyOperator(task_id='c', dag=dag)
    d = CoutureSparkOperator(task_id='d', code_artifact='x.jar', dag=dag, description='D')
    a >> b >> c >> d
    """
)


def test_upgrading_twice_changes_nothing() -> None:
    once = upgrade_source(LEGACY_FILE)
    assert once.changed and once.issues == []
    twice = upgrade_source(once.source)
    assert not twice.changed
    assert twice.source == once.source and twice.diff == ""
    assert not is_legacy(once.source)
    ast.parse(once.source)


def test_is_legacy() -> None:
    assert is_legacy(LEGACY_FILE)
    assert is_legacy("x = '{{ prev_ds }}'\n")  # nothing to rewrite, but an issue to report
    assert not is_legacy("from airflow.sdk import DAG\nfrom wfo.operators import CoutureSparkOperator\n")
    assert not is_legacy("print('hello')\n")
    assert not is_legacy("from airflow import DAG\ndef broken(:\n")  # the validator reports it


def test_invalid_python_is_reported_not_rewritten() -> None:
    result = upgrade_source("from airflow import DAG\ndef broken(:\n")
    assert not result.changed
    assert result.source == "from airflow import DAG\ndef broken(:\n"
    assert len(result.issues) == 1 and result.issues[0].line == 2
