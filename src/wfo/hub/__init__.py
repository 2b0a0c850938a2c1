"""The notebook hub: JupyterHub inside the platform, reached from wfo's menu with the same login.

`tickets` signs the short-lived single-use tickets `POST /wfo/api/v1/notebooks/login` hands out and our
JupyterHub authenticator (`authenticator`) redeems; `access` checks a user's role at that moment in
Airflow's tables and writes audit events from the hub's process; `component` is the `wfo up` component and
`jupyterhub_config` the configuration file the hub loads; `kernels` writes the kernel specs (Python 3,
PySpark on the default config group, sparkmagic over Livy, the group's named Python environments).
Nothing here imports JupyterHub at module level except the modules the hub process itself loads.
"""
