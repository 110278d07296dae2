"""Kaggle: House Prices - Advanced Regression Techniques."""
