"""Tables printed by the tasks (rich renders them; plain text when output is not a terminal)."""

from rich.table import Table

from ..engine.artifacts import ModelRun


def training_table(runs: list[ModelRun], title: str) -> Table:
    n_folds = max(len(r.fold_scores) for r in runs)
    table = Table(title=title)
    table.add_column("model")
    for k in range(n_folds):
        table.add_column(f"fold {k}", justify="right")
    table.add_column("mean ± std", justify="right")
    table.add_column("seeds", justify="right")
    table.add_column("time (s)", justify="right")
    for r in runs:
        folds = [f"{s:.4f}" for s in r.fold_scores] + [""] * (n_folds - len(r.fold_scores))
        table.add_row(r.model, *folds, f"{r.cv_score:.4f} ± {r.cv_std:.4f}", str(r.n_seeds), f"{r.seconds:.1f}")
    return table


def ensemble_table(rows: list[tuple[str, float, float, str]], metric: str) -> Table:
    """Rows of (name, cv mean, cv std, note)."""
    table = Table(title=f"ensembles, out-of-fold CV {metric}")
    for column, justify in (("method", "left"), (metric, "right"), ("std", "right"), ("note", "left")):
        table.add_column(column, justify=justify)
    for name, score, std, note in rows:
        table.add_row(name, f"{score:.4f}", f"{std:.4f}", note)
    return table
