"""The ``kit`` command: the kit's Invoke tasks (common/cli/invoke_tasks.py) as a program of their own, so they
run from any folder once the kit is installed (``kit --list``, ``kit train -c titanic``).

``--root=DIR`` says where the project's generated files go; without it ``KIT_ROOT``, a Kaggle
notebook's ``/kaggle/working``, the current folder (if it is a kit project) or the code's folder
(see common/cli/project.py).
"""

from importlib.metadata import PackageNotFoundError, version

from invoke import Argument, Program

ROOT_HELP = ("project root, where data, artifacts, tuned parameters, caches and submissions go "
             "(default: $KIT_ROOT; /kaggle/working in a Kaggle notebook; the current folder if it is a kit "
             "project; else the kit's code folder)")


class KitProgram(Program):
    """Invoke's Program with the kit's tasks and a global ``--root``."""

    def core_args(self):
        return [*super().core_args(), Argument(names=("root",), help=ROOT_HELP)]

    def update_config(self, merge: bool = True) -> None:
        super().update_config(merge=merge)
        if self.args.root.value:
            # a runtime setting: above config files and the environment (merged with the tasks' defaults)
            self.config["kit"] = {"root": self.args.root.value}


def _version() -> str:
    try:
        return version("kaggle-starter-kit")
    except PackageNotFoundError:
        return "unknown"


def main(args=None) -> None:
    """Run ``kit ARGS`` (``sys.argv`` when ``args`` is None)."""
    from .invoke_tasks import ns

    KitProgram(namespace=ns, name="kit", binary="kit", version=_version()).run(
        None if args is None else ["kit", *args])


if __name__ == "__main__":
    main()
