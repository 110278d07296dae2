"""The competition-agnostic engine of the kit, in rooms; a lower room never imports a higher one.

core      settings, errors, atomic file writes, metrics, progress bars, the console
spec      what a competition is (``competitions/<slug>/spec.py`` builds a CompetitionSpec)
kaggle    the Kaggle client: credentials, retries, competitions, datasets, kernels
data      raw files (checks, manifest), typed and cached reads, feature cache, folds
models    the default model set, tabular encoders, Keras wrappers and networks, text encoders
engine    the CV loop, executor (local or Ray), run artifacts, ensembles, submissions, run records
present   console tables, figures, feature importance, the HTML report, MLflow export
steps     what each task does: download, practice, train, ensemble, tune, submit, kernels
scaffold  a new competition from its files: infer its spec, write its folder
cli       the invoke tasks, the ``kit`` command, the notebook API, the project root
"""
