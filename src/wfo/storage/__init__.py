"""Object store and safe file handling for everything users upload or export.

| module | what |
|---|---|
| `names` | safe file names and relative paths (`safe_name`, `safe_relative_path`) |
| `limits` | size limits, extension allow-lists, limited atomic copies |
| `atomic` | temp-file-plus-rename writes |
| `archives` | all-or-nothing extraction of tar/zip uploads |
| `tarball` | deterministic tar.gz exports |
| `xml` | defusedxml parsing, Hadoop `<configuration>` files |
| `backends`, `objectstore` | the fsspec object store (`ObjectStore`) |

Errors all derive from `wfo.storage.errors.StorageError` (a `wfo.errors.WfoError` carrying its HTTP status).
"""
