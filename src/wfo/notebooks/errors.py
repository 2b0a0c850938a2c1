"""Domain errors of the notebook workspace and notebook runs; routes map them to 400/404/422."""

from __future__ import annotations

from wfo.storage.errors import ObjectNotFoundError, UnsafeNameError


class WorkspacePathError(UnsafeNameError):
    """A notebook path that does not name a file inside `common_workspace` (`..`, absolute, a URL ...)."""


class NotebookNotFoundError(ObjectNotFoundError):
    """No notebook is stored at that workspace path."""


class InvalidNotebookError(ValueError):
    """The bytes are not a Jupyter notebook (not JSON, or not the nbformat 4 schema)."""


class NotebookParameterError(ValueError):
    """A parameter cannot be injected (its name is not a Python identifier, or its value not plain data)."""


class NoSuchKernelError(LookupError):
    """The notebook asks for a kernel that is not installed where the task runs."""


class NotebookCellError(RuntimeError):
    """A cell of the notebook raised: carries what the user needs to find and fix it."""

    def __init__(
        self, *, cell_index: int, execution_count: int | None, ename: str, evalue: str, traceback: str
    ):
        self.cell_index = cell_index
        self.execution_count = execution_count
        self.ename = ename
        self.evalue = evalue
        self.traceback = traceback
        where = f"In [{execution_count}]" if execution_count is not None else f"cell {cell_index}"
        super().__init__(f"the notebook cell {where} raised {ename}: {evalue}\n{traceback}")
