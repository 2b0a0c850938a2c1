"""The polars engine: streaming statistics, data importance, the HTML report (imported lazily)."""
