"""Exploratory data analysis: statistics of a data source (L0) and the importance of its columns (L1)."""
