"""The `kit` command (common/cli/program.py) and where the project root is (common/cli/project.py)."""

import os
import re
import subprocess
import sys

from common.cli.invoke_tasks import SHORT_FLAGS, ns
from common.cli.project import resolve_paths
from common.core.config import PROJECT_ROOT

from .conftest import real_data_dir


def kit(args, cwd, env=None):
    """``kit ARGS`` run from ``cwd``, with the code importable as after ``pip install``."""
    return subprocess.run([sys.executable, "-c", "from common.cli.program import main; main()", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **(env or {})})


def test_the_root_is_the_option_then_kit_root_then_kaggle_then_a_project_folder_then_the_code(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    assert resolve_paths(environ={}, cwd=plain).root == PROJECT_ROOT
    (plain / "submissions").mkdir()
    assert resolve_paths(environ={}, cwd=plain).root == plain
    kaggle = tmp_path / "kaggle"
    (kaggle / "input").mkdir(parents=True)
    env = {"KIT_KAGGLE_DIR": str(kaggle)}
    paths = resolve_paths(environ=env, cwd=plain)
    assert paths.root == kaggle / "working" and paths.kaggle_input == kaggle / "input"
    assert paths.kaggle_submission == kaggle / "working" / "submission.csv"
    assert resolve_paths(environ={**env, "KIT_ROOT": "rel"}, cwd=plain).root == plain / "rel"
    assert resolve_paths(str(tmp_path / "opt"), environ={**env, "KIT_ROOT": "rel"}, cwd=plain).root == tmp_path / "opt"
    assert resolve_paths(environ={}, cwd=plain).kaggle_input is None
    shared = resolve_paths(environ={"KIT_ROOT": "a", "KIT_CACHE": "c"}, cwd=plain)
    assert shared.embedding_cache == plain / "c" / "sentence-embeddings" and shared.root == plain / "a"


def test_short_flags_mean_the_same_in_every_task():
    seen = {}
    for name, task in ns.tasks.items():
        for argument in task.get_arguments():
            for flag in argument.names:
                if len(flag) == 1:
                    assert SHORT_FLAGS[argument.name] == flag, (name, argument.names)
                    seen.setdefault(flag, set()).add(argument.name)
    assert seen["c"] == {"comp"} and seen["s"] == {"seed"} and seen["m"] == {"model", "models"}
    assert all(any(a.name == "comp" for a in t.get_arguments()) for t in ns.tasks.values())


def test_kit_runs_from_another_folder_with_its_own_messages(tmp_path):
    listing = kit(["--list"], cwd=tmp_path)
    assert listing.returncode == 0 and "train" in listing.stdout and "ensemble" in listing.stdout
    assert "-s INT, --seed=INT" in kit(["--help", "train"], cwd=tmp_path).stdout
    missing = kit(["train"], cwd=tmp_path)
    assert missing.returncode == 1 and "say which competition: --comp=SLUG" in missing.stderr
    assert "Traceback" not in missing.stderr and "positional" not in missing.stderr
    nothing = kit(["train", "-c", "titanic"], cwd=tmp_path, env={"KIT_ROOT": "here"})
    assert nothing.returncode == 1 and f"{tmp_path / 'here' / 'data' / 'titanic' / 'raw'}" in nothing.stderr
    told = kit(["--root", str(tmp_path / "there"), "train", "-c", "titanic"], cwd=tmp_path, env={"KIT_ROOT": "here"})
    assert f"{tmp_path / 'there' / 'data'}" in told.stderr


def test_kit_downloads_and_trains_into_the_root_it_is_given(tmp_path):
    source = real_data_dir("titanic")
    root = tmp_path / "project"
    assert kit(["--root", str(root), "download", "-c", "titanic", "-S", str(source)], cwd=tmp_path).returncode == 0
    result = kit(["--root", str(root), "train", "-c", "titanic", "-m", "logreg", "-s", "3"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert re.search(r"logreg fold 4: accuracy 0\.\d+", result.stdout)
    assert (root / "artifacts" / "titanic" / "logreg" / "oof.npy").is_file()
