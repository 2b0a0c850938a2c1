"""Warm Spark: the Spark Connect server `wfo up` runs (`server`), and how tasks reach it (`local`, `script`)."""
