"""`kit kernel --push / --submit / --dry-run`: a built kernel (common/steps/kernel_build.py) through the Kaggle API.

``push_kernel_build`` does what a user would do by hand with the ``kaggle`` client, through
``common.kaggle``: create the models dataset or a new version of it (folders as zip
archives, files as they are), wait until Kaggle has processed it, push the notebook, follow its
run until it completes or fails (or ``timeout_s`` passes), download its output into
``kernels/<slug>/output/``, check that the run used the dataset just uploaded, validate its
``submission.csv`` against the sample submission and compare it with the local ensemble's, and
(``submit=True``) send it as a code submission. ``describe_push`` says all that without a
network call (``--dry-run``).
"""

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from .. import kaggle
from ..core.config import Paths
from ..core.errors import KitError
from .kernel_build import BUNDLE, KernelBuild

OUTPUT_FILE = "submission.csv"
BUNDLE_COPY = "kit-bundle.json"  # the notebook copies the bundle.json it ran with into its output
LOG_TAIL_LINES = 30


@dataclass
class PushResult:
    kernel_ref: str
    version: Optional[int]
    url: str
    output: Path  # the folder holding the run's downloaded output
    submission: Path
    same_as_local: bool  # byte for byte the local ensemble's submission
    submission_ref: Optional[int] = None  # the code submission's, with submit=True


def default_message(build: KernelBuild, metric: str) -> str:
    bundle = _bundle(build.dataset)
    return (f"kit kernel: {bundle['method']} blend of {', '.join(bundle['models'])} | "
            f"CV {metric} {bundle['cv_score']:.5f}")


def describe_push(spec, build: KernelBuild, *, submit: bool, message: Optional[str], timeout_s: float) -> str:
    """What ``--push`` (and ``--submit``) would upload and do, for ``--dry-run``."""
    lines = [f"dry run: nothing was uploaded. With --push{' --submit' if submit else ''} the kit would:",
             f"  1. create dataset {build.dataset_id} (or a new version of it) from {build.dataset}:"]
    for entry in sorted(build.dataset.iterdir()):
        if entry.name == kaggle.DATASET_METADATA or entry.name.startswith("."):
            continue
        if entry.is_dir():
            files = [p for p in entry.rglob("*") if p.is_file()]
            size = sum(p.stat().st_size for p in files)
            lines.append(f"       {entry.name}.zip   (the folder {entry.name}/ as one archive: {len(files)} file{'s' if len(files) != 1 else ''}, "
                         f"{_size(size)} before compression)")
        else:
            lines.append(f"       {entry.name}   ({_size(entry.stat().st_size)}, as it is)")
    meta = json.loads((build.notebook / kaggle.KERNEL_METADATA).read_text(encoding="utf-8"))
    lines += ["     and wait until Kaggle has processed it",
              f"  2. push notebook {build.kernel_id} ({build.notebook / meta['code_file']}): internet "
              f"{'on' if meta.get('enable_internet', True) else 'off'}, competition "
              f"{', '.join(meta.get('competition_sources') or [])}, dataset {', '.join(meta.get('dataset_sources') or [])}",
              f"  3. follow its run (up to {timeout_s:g} s), download its output to {build.dataset.parent / 'output'}, "
              f"check {OUTPUT_FILE} against the sample submission and the local ensemble's"]
    if submit:
        lines.append(f"  4. submit it to {spec.slug} as a code submission: "
                     f"\"{message or default_message(build, spec.metric_name)}\"")
    return "\n".join(lines)


def push_kernel_build(spec, paths: Paths, build: KernelBuild, *, submit: bool = False, message: Optional[str] = None,
                      timeout_s: float = 3600, poll_s: float = 10,
                      say: Callable[[str], None] = print) -> PushResult:
    """Upload the dataset, run the notebook on Kaggle, check its output and (``submit``) submit it."""
    slug = spec.slug
    bundle = _bundle(build.dataset)
    notes = default_message(build, spec.metric_name)
    say(f"uploading dataset {build.dataset_id} from {build.dataset} ...")
    uploaded = kaggle.upload_dataset(build.dataset, version_notes=notes, slug=slug)
    say(f"{'created' if uploaded['created'] else 'new version of'} {uploaded['url']} "
        f"({', '.join(uploaded['files'])}); waiting until Kaggle has processed it ...")
    kaggle.wait_for_dataset(build.dataset_id, slug=slug, timeout_s=timeout_s, poll_s=poll_s)

    pushed = kaggle.push_kernel(build.notebook, slug=slug)
    ref, version, url = pushed["ref"], pushed["version"], pushed["url"]
    say(f"pushed notebook {ref}{f' version {version}' if version else ''}: {url}")
    state = kaggle.wait_for_kernel(ref, version, slug=slug, timeout_s=timeout_s, poll_s=poll_s,
                                       on_status=lambda status: say(f"  notebook run: {status}"))
    output = build.dataset.parent / "output"
    log = output / f"{ref.split('/')[1]}.log"
    if state["status"] != "complete":
        try:  # its log, when Kaggle has one: the failure's cause is usually in it
            _download_output(ref, version, output, slug)
        except KitError:
            pass
        ended = "failed" if state["status"] == "error" else f"ended {state['status']}"
        said = (state["failure_message"] or "").strip().rstrip(".")
        raise KitError(
            f"the notebook {ref}{f' version {version}' if version else ''} {ended} on Kaggle"
            f"{': ' + said if said else ''}.\n"
            f"{_log_tail(log)}See its log on {url} (downloaded: {log}); fix the cause, then run "
            f"`kit kernel -c {slug} --push` again.")

    _download_output(ref, version, output, slug)
    submission = output / OUTPUT_FILE
    if not submission.is_file():
        made = ", ".join(sorted(p.name for p in output.iterdir())) or "nothing"
        raise KitError(f"the notebook {ref} completed but wrote no {OUTPUT_FILE} (its output: {made}).\n"
                       f"{_log_tail(log)}See {url}.")
    ran_with = output / BUNDLE_COPY
    if ran_with.is_file() and json.loads(ran_with.read_text(encoding="utf-8")) != bundle:
        raise KitError(f"the notebook {ref} ran with another version of dataset {build.dataset_id} than the one "
                       f"just uploaded (Kaggle was still processing it); run `kit kernel -c {slug} --push` again.")
    from ..core.errors import SubmissionError
    from .workflow import check_submission_file

    try:
        check_submission_file(spec, paths, submission)  # an invalid file is never submitted
    except SubmissionError as exc:
        raise KitError(f"{submission}, the output of notebook {ref}{f' version {version}' if version else ''}, "
                       f"is not a valid submission, so nothing was submitted: {exc}. See {url}") from None
    same = submission.read_bytes() == local_submission_bytes(spec, paths)
    say(f"{submission}: valid; {'the same bytes as' if same else 'DIFFERENT from'} the local ensemble's submission"
        + ("" if same else " (package versions on Kaggle differ from yours, or the data changed)"))
    result = PushResult(ref, version, url, output, submission, same)
    if not submit:
        say(f"not submitted; to submit this run: kit kernel -c {slug} --submit (pushes and runs it again), or "
            f"'Submit to competition' on {url}")
        return result

    message = message or notes
    created = kaggle.submit_code(slug, ref, version, file_name=OUTPUT_FILE, message=message)
    from ..engine.records import record_submit

    record_submit(paths, slug, f"{ref}@v{version}/{OUTPUT_FILE}",
                  {"models": bundle["models"], "cv_score": bundle["cv_score"], "metric": spec.metric_name,
                   "weights": bundle["weights"]}, public_score=None, message=message)
    result.submission_ref = created["ref"]
    say(f"submitted notebook {ref} version {version} to {slug} (ref {created['ref']}): \"{message}\". Kaggle "
        f"now runs it on the hidden test data; see https://www.kaggle.com/competitions/{slug}/submissions "
        f"or `kit submissions -c {slug}`")
    return result


def local_submission_bytes(spec, paths: Paths) -> bytes:
    """The submission the local ensemble's test predictions make, as predict_bundle writes it."""
    import numpy as np

    from ..data.competition_data import load_competition_data
    from ..engine.artifacts import ENSEMBLE_DIR
    from ..engine.submission import build_submission, layout_of

    data = load_competition_data(spec, paths)
    test = np.load(paths.competition_artifacts(spec.slug) / ENSEMBLE_DIR / "test.npy")
    frame = build_submission(spec, layout_of(spec, data.sample_submission, data.classes), data.test_ids, test)
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _download_output(ref: str, version, target: Path, slug: str) -> Path:
    """The run's output (and its log, saved as <kernel>.log) in ``target``, replaced as a whole."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".output.", dir=target.parent))
    try:
        # only what the kit reads: a run's output may also hold whatever else the notebook wrote
        _, log = kaggle.download_kernel_output(ref, staging, version, only={OUTPUT_FILE, BUNDLE_COPY}, slug=slug)
        (staging / f"{ref.split('/')[1]}.log").write_text(log, encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _log_tail(log: Path) -> str:
    text = log.read_text(encoding="utf-8").strip() if log.is_file() else ""
    if not text:
        return ""
    tail = text.splitlines()[-LOG_TAIL_LINES:]
    return "Last lines of its log:\n" + "\n".join(f"  | {line}" for line in tail) + "\n"


def _bundle(dataset: Path) -> dict:
    return json.loads((dataset / BUNDLE).read_text(encoding="utf-8"))


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"
