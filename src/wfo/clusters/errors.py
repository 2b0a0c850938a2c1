"""Domain errors of the config-group services; routes map them to HTTP status codes."""

from __future__ import annotations


class ConfigGroupError(ValueError):
    """Base class: a config-group change was refused."""


class GroupNotFound(ConfigGroupError):
    """No config group (or no file of a group) has that name."""


class GroupConflict(ConfigGroupError):
    """The change conflicts with the current state (name taken, deleting the default or last group)."""


class InvalidGroupInput(ConfigGroupError):
    """A name, file or setting is not acceptable; the message says why."""


class ChangeForbidden(ConfigGroupError):
    """The caller lacks a permission this particular change needs (code settings, for instance)."""
