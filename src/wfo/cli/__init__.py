"""The `wfo` command line (one module per command group)."""
