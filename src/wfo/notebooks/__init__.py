"""Jupyter integration: the shared notebook workspace and running notebooks as tasks.

`workspace` maps the paths users write (`'common_workspace/report.ipynb'`, `'report.ipynb'`) to
object-store keys under `notebooks/common_workspace/` and refuses anything outside that folder;
`execution` runs a workspace notebook with papermill (what `CoutureJupyterOperator` does).
"""
