"""Install contract: the core install (no TensorFlow, no PyTorch) runs every other model; models
that need an extra are skipped with one line, or refused with the install command when asked for."""

import os
import subprocess
import sys

import pytest

from common.core.config import PROJECT_ROOT
from common.core.errors import KitError
from common.core.extras import install_command, missing_modules, module_available, runnable_models
from common.spec import load_competition

from .conftest import installed

HEAVY = ("tensorflow", "keras", "torch", "sentence_transformers")

# runs the kit command in a Python where HEAVY cannot be imported, as after `pip install -e .`
WITHOUT_EXTRAS = """
import sys

class Uninstalled:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)

sys.meta_path.insert(0, Uninstalled())
from common.cli.program import main
try:
    main(sys.argv[1:])
finally:
    loaded = [m for m in {blocked!r} if sys.modules.get(m) is not None]
    assert not loaded, loaded
"""


def kit_without(blocked, args, root, cwd=PROJECT_ROOT):
    return subprocess.run([sys.executable, "-c", WITHOUT_EXTRAS.format(blocked=tuple(blocked)), *args],
                          cwd=cwd, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "KIT_ROOT": str(root)})


def test_a_blocked_module_is_not_available(monkeypatch):
    assert module_available("numpy")
    monkeypatch.setitem(sys.modules, "tensorflow", None)
    assert not module_available("tensorflow")
    assert not module_available("surely_no_such_module_here")


def test_text_models_are_skipped_with_one_line_without_the_encoder(monkeypatch):
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    spec = load_competition("nlp-getting-started")
    lines = []
    names = runnable_models(spec, spec.model_names(), asked=False, say=lines.append)
    assert names == ["tfidf_logreg", "nb_logreg", "keras_text", "keras_words"]
    assert lines == ["skipped minilm_svc, keras_minilm, minilm_finetuned (not installed: sentence_transformers); "
                     "add them with: python -m pip install -e .[text]"]
    with pytest.raises(KitError, match=r"minilm_svc needs sentence_transformers.*pip install -e \.\[text\]"):
        runnable_models(spec, ["minilm_svc"], asked=True)


def test_keras_models_need_the_keras_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow", None)
    spec = load_competition("nlp-getting-started")
    assert missing_modules(spec.model("keras_minilm")) == ["tensorflow"]
    assert missing_modules(spec.model("tfidf_logreg")) == []
    assert install_command(["tensorflow", "sentence_transformers"]) == "python -m pip install -e .[keras,text]"
    from common.models.keras_estimators import import_keras

    with pytest.raises(KitError, match=r"pip install -e \.\[keras\]"):
        import_keras()


def test_the_core_install_trains_titanic_without_tensorflow_or_torch(paths):
    installed("titanic", paths)
    result = kit_without(HEAVY, ["train", "-c", "titanic", "-m", "keras_mlp"], paths.root)
    assert result.returncode == 1, result.stderr
    assert "keras_mlp needs keras, tensorflow" in result.stderr and "pip install -e .[keras]" in result.stderr
    assert "Traceback" not in result.stderr
    result = kit_without(HEAVY, ["train", "-c", "titanic", "-m", "logreg"], paths.root)
    assert result.returncode == 0, result.stderr
    assert (paths.model_artifacts("titanic", "logreg") / "oof.npy").is_file()


def test_train_says_in_one_line_how_to_add_the_skipped_models(paths, monkeypatch, capsys):
    from common.steps.workflow import train

    from .conftest import fast_spec

    monkeypatch.setattr("common.core.extras.module_available", lambda name: name not in HEAVY)
    spec = fast_spec(installed("titanic", paths), only=["logreg", "keras_mlp"])
    [run] = train(spec, paths, seed=0)
    assert run.model == "logreg"
    assert "skipped keras_mlp (not installed: keras, tensorflow); add them with: python -m pip install -e .[keras]" \
        in capsys.readouterr().out.replace("\n", "")
