"""The DAGs folder: list, validate, save with history, upgrade legacy code, code bricks."""
