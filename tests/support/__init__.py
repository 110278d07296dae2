"""Helpers shared by the tests (a local Kaggle-compatible server, ...)."""
