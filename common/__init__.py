"""The competition-agnostic engine of the kit: data, folds, CV, ensembling, submissions."""
