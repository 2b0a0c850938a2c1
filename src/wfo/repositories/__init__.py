"""Repositories of files users upload for their jobs, kept in the object store.

| module | what |
|---|---|
| `spark_dependencies` | jars and Python files offered to config groups (`jars`, `py-files`) |
| `code_artifacts` | versioned job code (`code_artifact='x.py'`), resolved by a manifest, no DB |
| `files` | what an upload is, and the checks every upload goes through |
| `errors` | domain errors, each carrying its HTTP status |
| `schemas` | the models the services take and return (the API uses them as they are) |

Nothing here imports FastAPI or the metadata DB at module level: operators call the `fetch_*`
helpers inside task processes.
"""
