"""Shared fixtures: real competition files from ../shared/kaggle and a scratch project root."""

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from common.core.config import PROJECT_ROOT, Paths
from common.spec import load_competition
from common.steps.download import download

SHARED_KAGGLE = Path(__file__).resolve().parents[2] / "shared" / "kaggle"


def real_data_dir(slug: str) -> Path:
    """The original Kaggle files; in CI their absence is a failure, elsewhere a skip."""
    folder = SHARED_KAGGLE / slug
    if not folder.is_dir():
        message = f"real data for {slug} not found in {folder}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must run the real-data tests)")
        pytest.skip(message)
    return folder


@pytest.fixture
def paths(tmp_path) -> Paths:
    """A fresh project root for generated files (data, artifacts, submissions); the sentence
    embeddings of real tweets are shared with the code folder's cache, as a user's runs would."""
    return Paths(tmp_path / "project", cache_root=PROJECT_ROOT / "cache")


@pytest.fixture(scope="session")
def _session_embedding_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("sentence-embeddings")


@pytest.fixture
def embedding_cache(_session_embedding_cache, monkeypatch) -> Path:
    """Sentence embeddings of toy texts go to a scratch cache shared by the session's tests, not
    the project's (the real-data tests use the project's cache, as a user's runs would)."""
    monkeypatch.setattr("common.models.sentence_embeddings.default_cache_dir", lambda: _session_embedding_cache)
    return _session_embedding_cache


def installed(slug: str, paths: Paths):
    """Load the competition's spec and put its real (or practice) files into ``paths``: from
    ../shared/kaggle, or, for a competition the user added (``invoke new``), from the project's
    own ``data/<slug>/raw``."""
    spec = load_competition(slug)
    source = None
    if spec.practice_source is None:
        project_raw = Paths().raw(slug)
        source = project_raw if not (SHARED_KAGGLE / slug).is_dir() and project_raw.is_dir() else real_data_dir(slug)
    download(spec, paths, source)
    return spec


def fast_spec(spec, only=None, **params_by_model):
    """The spec with fewer models and cheaper parameters, for quick end-to-end tests.

    ``fast_spec(spec, only=["logreg", "keras_mlp"], keras_mlp={"epochs": 5})``
    """
    # models asked for by name are trained by a plain train, even those a plain run leaves out
    models = tuple(dataclasses.replace(m, params={**m.params, **params_by_model.get(m.name, {})},
                                       default=m.default or only is not None)
                   for m in spec.models if only is None or m.name in only)
    return dataclasses.replace(spec, models=models)


def run_invoke(args, env=None, timeout=600) -> subprocess.CompletedProcess:
    """Run ``invoke ARGS`` as a user would, in the project folder, with extra environment."""
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=timeout)
