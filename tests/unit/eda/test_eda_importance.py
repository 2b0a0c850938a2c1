"""L1 data importance on data where the answer is known: the target follows one column, not the others."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from wfo.eda.engine import importance as importance_module
from wfo.eda.engine.analyse import analyse_file
from wfo.eda.errors import UnknownTarget
from wfo.eda.report_html import render
from wfo.eda.schemas import Report


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(7)
    n = 2_000
    signal, noise = rng.normal(size=n), rng.normal(size=n)
    group = rng.choice(["a", "b", "c"], n)
    path = tmp_path_factory.mktemp("eda") / "l1.csv"
    pl.DataFrame(
        {
            "row": np.arange(n),
            "signal": signal,
            "noise": noise,
            "group": group,
            "label": np.where(signal + (group == "a") * 2 > 1.0, "yes", "no"),
            "amount": 3 * signal + rng.normal(scale=0.1, size=n),
        }
    ).write_csv(path)
    return path


def test_classification_ranks_the_column_the_target_follows(data: Path) -> None:
    report = analyse_file(data, source="l1", kind="data_importance", target="label")
    imp = report.importance
    assert imp is not None
    assert (imp.task, imp.task_detected, imp.classes) == ("classification", "classification", 2)
    assert imp.cv_metric == "balanced_accuracy" and len(imp.cv_scores) == 5 and imp.cv_score_mean > 0.9
    assert imp.sampling.rows_total == imp.sampling.rows_used == 2_000
    ranked = [f.feature for f in imp.features]
    # The label follows signal and group; amount is signal again (so it adds little), noise nothing.
    assert set(ranked[:2]) == {"signal", "group"} and ranked[-1] == "noise"
    assert imp.skipped == {"row": "id column"}
    noise = next(f for f in imp.features if f.feature == "noise")
    assert noise.permutation_importance < 0.02 and noise.mutual_information < 0.05
    group = next(f for f in imp.features if f.feature == "group")
    shares = {b.label: b.target for b in group.target_by_bin}
    positive = imp.positive_class
    assert positive in ("yes", "no") and shares["a"] != shares["b"]
    assert sum(b.rows for b in group.target_by_bin) == 2_000
    assert Report.model_validate_json(report.model_dump_json()) == report
    page = render(report)
    assert 'id="feature-table"' in page and "signal" in page and "balanced_accuracy" in page


def test_regression_detected_and_overridable(data: Path) -> None:
    report = analyse_file(data, source="l1", kind="data_importance", target="amount")
    imp = report.importance
    assert imp is not None and imp.task == "regression" and imp.cv_metric == "r2" and imp.cv_score_mean > 0.9
    assert imp.features[0].feature == "signal"
    assert imp.positive_class is None
    # A numeric target can be treated as classes on request; the detected task is still reported.
    forced = analyse_file(data, source="l1", kind="data_importance", target="group", task="classification")
    assert forced.importance is not None and forced.importance.classes == 3


def test_sampling_is_explicit(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importance_module, "MODEL_ROWS", 500)
    imp = analyse_file(data, source="l1", kind="data_importance", target="label").importance
    assert imp is not None and imp.sampling.rows_total == 2_000 and 300 < imp.sampling.rows_used < 800
    assert "1 in 4" in imp.sampling.method


@pytest.mark.parametrize(
    ("target", "task", "message"),
    [
        (None, None, "needs a target"),
        ("missing", None, "no column 'missing'"),
        ("group", "regression", "needs a numeric target"),
    ],
)
def test_bad_targets_are_refused(data: Path, target: str | None, task: str | None, message: str) -> None:
    with pytest.raises(UnknownTarget, match=message):
        analyse_file(data, source="l1", kind="data_importance", target=target, task=task)  # type: ignore[arg-type]


def test_one_class_target_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("x,y\n1,a\n2,a\n3,a\n")
    with pytest.raises(UnknownTarget, match="one class"):
        analyse_file(path, source="one", kind="data_importance", target="y")
