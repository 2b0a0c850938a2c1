"""Domain errors of the storage layer; routes map them to HTTP codes (400/404/413/415/422)."""

from __future__ import annotations


class StorageError(ValueError):
    """Base class: a file, name, archive or stored object was refused or could not be handled."""


class UnsafeNameError(StorageError):
    """A user-supplied file name or relative path could escape its folder or is not portable."""


class ExtensionNotAllowedError(StorageError):
    """A file's extension is not on the allow-list of the place it is uploaded to."""


class FileTooLargeError(StorageError):
    """A file (or an archive's content) exceeds a size limit."""


class UnsafeArchiveError(StorageError):
    """An archive holds something we refuse to extract (links, devices, too many members ...)."""


class UnsafeXmlError(StorageError):
    """An XML document uses DTDs, entities or external references, or is not well-formed."""


class InvalidHadoopConfError(StorageError):
    """An XML document is well-formed but is not a Hadoop `<configuration>` file."""


class ObjectNotFoundError(StorageError):
    """No object is stored under the requested key."""


class StoreConfigurationError(StorageError):
    """The object store URL or its credentials connection cannot be used."""
