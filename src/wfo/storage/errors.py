"""Domain errors of the storage layer; each carries the HTTP status it means (`wfo.errors`)."""

from __future__ import annotations

from wfo.errors import InvalidInput, NotFound, ServerFault, TooLarge, WfoError


class StorageError(WfoError):
    """Base class: a file, name, archive or stored object was refused or could not be handled (422)."""


class UnsafeNameError(StorageError, InvalidInput):
    """A user-supplied file name or relative path could escape its folder or is not portable."""


class ExtensionNotAllowedError(StorageError, InvalidInput):
    """A file's extension is not on the allow-list of the place it is uploaded to."""


class FileTooLargeError(StorageError, TooLarge):
    """A file (or an archive's content) exceeds a size limit."""


class UnsafeArchiveError(StorageError, InvalidInput):
    """An archive holds something we refuse to extract (links, devices, too many members ...)."""


class UnsafeXmlError(StorageError, InvalidInput):
    """An XML document uses DTDs, entities or external references, or is not well-formed."""


class InvalidHadoopConfError(StorageError, InvalidInput):
    """An XML document is well-formed but is not a Hadoop `<configuration>` file."""


class ObjectNotFoundError(StorageError, NotFound):
    """No object is stored under the requested key."""


class StoreConfigurationError(StorageError, ServerFault):
    """The object store URL or its credentials connection cannot be used (the platform's setup, not the
    request, is wrong)."""
