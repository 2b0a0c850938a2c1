"""Notebooks the notebook tests upload: a `parameters` cell (typed defaults) and a cell whose output shows
the parameters' effect (`greeting` repeated `times` times, joined by `|`)."""

from __future__ import annotations

import json


def greeting_notebook() -> bytes:
    cells = [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "params",
            "metadata": {"tags": ["parameters"]},
            "outputs": [],
            "source": 'greeting = "hello"\ntimes = 1\n',
        },
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "effect",
            "metadata": {},
            "outputs": [],
            "source": 'print("|".join([greeting] * times))\n',
        },
    ]
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    document = {"cells": cells, "metadata": {"kernelspec": kernel}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(document).encode()
