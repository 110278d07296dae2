"""`invoke report`: a self-contained HTML page from a real run, rendered in headless Chromium, and
the figures of a binary, a regression and a multiclass competition."""

import base64
import io
import json
import os
import re
import shutil
import subprocess

import numpy as np
import pytest

from common.engine.records import set_public_score
from common.present.html_report import baseline_scores, gather, png_base64, report_figures, write_report
from common.spec import load_competition
from common.steps.workflow import ensemble, train

from .conftest import fast_spec, installed, run_invoke

IMAGE = re.compile(r'src="data:image/png;base64,([^"]+)"')


def assert_visible_png(data: bytes) -> None:
    """The PNG decodes, has a real size, and is not one flat colour."""
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    image.load()
    pixels = np.asarray(image.convert("L"), dtype=float)
    assert min(image.size) >= 150 and pixels.std() > 10, (image.size, pixels.std())


def assert_figures_visible(figures: dict) -> None:
    for title, fig in figures.items():
        assert_visible_png(base64.b64decode(png_base64(fig))), title


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing; .ci/run installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return exe


def render_in_chromium(page, tmp_path) -> tuple[list[int], str]:
    """Load the page in headless Chromium; returns each image's decoded width and the log.

    A copy of the page gets a probe script that writes the widths into the DOM once loaded
    (the report itself holds no script)."""
    probe = tmp_path / "probe.html"
    script = ("<script>addEventListener('load', () => document.body.setAttribute('data-widths', "
              "[...document.images].map(i => i.complete ? i.naturalWidth : -1).join(',')));</script>")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", script + "</body>"), encoding="utf-8")
    result = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
                             "--v=0", "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()],
                            capture_output=True, text=True, timeout=120)
    widths = re.search(r'data-widths="([^"]*)"', result.stdout)
    assert widths, result.stderr[-2000:]
    return [int(w) for w in widths.group(1).split(",") if w], result.stderr


@pytest.mark.slow
def test_titanic_report_is_self_contained_and_renders_in_chromium(paths, tmp_path):
    spec = fast_spec(installed("titanic", paths), only=["logreg", "lightgbm"], lightgbm={"n_estimators": 30})
    train(spec, paths, seed=42)
    _, csv = ensemble(spec, paths, seed=42)
    sidecar = csv.with_suffix(".json")  # as if Kaggle had scored it
    sidecar.write_text(json.dumps({**json.loads(sidecar.read_text()), "public_score": 0.77511}))
    set_public_score(paths, "titanic", csv.name, 0.77511)
    page = write_report(spec, paths)
    assert page == paths.root / "reports" / "titanic" / "report.html"
    text = page.read_text(encoding="utf-8")
    for heading in ("Scores per fold", "OOF confusion matrix", "ROC", "Feature importance", "Correlation of OOF",
                    "Ensemble weights", "CV against public", "Where you stand", "Recent runs"):
        assert heading in text
    assert "0.76555" in text and "majority class" in text and "0.77511" in text  # references and public score
    assert not re.search(r'(src|href)="(https?:|//|file:)', text)  # nothing outside the file
    images = IMAGE.findall(text)
    assert len(images) == 8
    for data in images:
        assert_visible_png(base64.b64decode(data))
    widths, log = render_in_chromium(page, tmp_path)
    assert len(widths) == 8 and all(w > 100 for w in widths), widths
    assert "CONSOLE" not in log, log[-2000:]


def test_report_without_trained_models_says_what_to_run(paths):
    installed("titanic", paths)
    result = run_invoke(["report", "--comp=titanic"], {"INVOKE_KIT_ROOT": str(paths.root)})
    assert result.returncode == 1 and "invoke train --comp=titanic" in result.stderr


@pytest.mark.slow
def test_regression_figures_for_house_prices(paths):
    slug = "house-prices-advanced-regression-techniques"
    spec = fast_spec(installed(slug, paths), only=["lasso", "lightgbm"], lightgbm={"n_estimators": 40})
    train(spec, paths, seed=42)
    figures = report_figures(spec, paths)
    assert {"Residuals against predictions", "Feature importance (mean over folds)",
            "Correlation of OOF predictions", "Scores per fold", "Where you stand"} <= set(figures)
    assert "ROC" not in figures and "OOF confusion matrix" not in figures
    assert_figures_visible(figures)


@pytest.mark.slow
def test_multiclass_figures_for_the_digits(paths):
    spec = fast_spec(installed("digit-recognizer", paths), only=["svc", "extra_trees"],
                     extra_trees={"n_estimators": 20})
    train(spec, paths, seed=42)
    ensemble(spec, paths, seed=42)
    report = gather(spec, paths)
    figures = report_figures(spec, paths, report)
    assert {"OOF confusion matrix", "ROC", "Feature importance (mean over folds)", "Ensemble weights",
            "Submissions: CV against public score"} <= set(figures)
    # the SVM has no importances of its own: permutation importance on its folds' validation rows
    importance = report.importances
    assert importance["svc"].attrs["kind"].startswith("permutation") and importance["extra_trees"].attrs["kind"] == "impurity/gain"
    assert_figures_visible(figures)


def test_baselines_are_learned_on_the_training_folds():
    spec = load_competition("titanic")
    y = np.array([0] * 60 + [1] * 40)
    folds = np.tile(np.arange(5), 20)
    [majority] = baseline_scores(spec, y, folds)
    assert majority["score"] == pytest.approx(0.6) and majority["kind"] == "baseline"
    regression = load_competition("house-prices-advanced-regression-techniques")
    values = np.arange(10.0)
    [mean] = baseline_scores(regression, values, np.arange(10) % 2)
    # fold 0 (even values) is predicted by the mean of the odd ones (5), and the other way round (4)
    expected = np.mean([np.sqrt(np.mean((values[::2] - 5) ** 2)), np.sqrt(np.mean((values[1::2] - 4) ** 2))])
    assert mean["score"] == pytest.approx(expected)
