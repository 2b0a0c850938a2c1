"""Domain errors of the config-group services; each carries the HTTP status it means (`wfo.errors`)."""

from __future__ import annotations

from wfo.errors import Conflict, Forbidden, InvalidInput, NotFound, WfoError


class ConfigGroupError(WfoError):
    """Base class: a config-group change was refused."""


class GroupNotFound(ConfigGroupError, NotFound):
    """No config group (or no file of a group) has that name."""


class GroupConflict(ConfigGroupError, Conflict):
    """The change conflicts with the current state (name taken, deleting the default or last group)."""


class InvalidGroupInput(ConfigGroupError, InvalidInput):
    """A name, file or setting is not acceptable; the message says why."""


class ChangeForbidden(ConfigGroupError, Forbidden):
    """The caller lacks a permission this particular change needs (code settings, for instance)."""
