"""Contracts every competition keeps: its spec loads, each model builds fresh and unfitted, and
neither loading the data nor building the models imports TensorFlow or PyTorch (they load only
when a Keras model or the sentence encoder runs)."""

import subprocess
import sys

import pytest

from common.core.config import PROJECT_ROOT
from common.spec import available_competitions

from .conftest import installed

CHECK = """
import sys
from pathlib import Path
from common.core.config import Paths
from common.spec import load_competition
from common.steps.workflow import prepare

spec = load_competition({slug!r})
prepare(spec, Paths(Path({root!r})), seed=42)
for name in spec.model_names():
    first, second = spec.model(name).make(), spec.model(name).make()
    assert first is not second and not hasattr(first, "model_"), name
heavy = [m for m in ("tensorflow", "torch") if m in sys.modules]
assert not heavy, f"loading data or building models imported {{heavy}}"
"""


@pytest.mark.parametrize("slug", available_competitions())
def test_models_build_fresh_without_importing_tensorflow_or_torch(slug, paths):
    installed(slug, paths)
    result = subprocess.run([sys.executable, "-c", CHECK.format(slug=slug, root=str(paths.root))],
                            cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
