"""What an uploaded file is, and the checks every repository upload goes through before any write.

A multi-file upload is checked as a whole first (names, extensions, declared sizes, duplicates), so
one bad file refuses the request before anything is stored. While the bytes stream into the store,
`DigestingReader` computes their SHA-256 and whether they are UTF-8 text.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from wfo.repositories.errors import InvalidUploadError
from wfo.storage.limits import check_extension, check_size
from wfo.storage.names import safe_name

# Large enough for several big jars in one request; each file still has its own limit.
MAX_FILES_PER_UPLOAD = 100


@dataclass(frozen=True)
class Upload:
    """One uploaded file: the name the client gave, its content, and its size if known."""

    filename: str
    stream: BinaryIO
    size: int | None = None


def checked_names(uploads: Sequence[Upload], allowed: Iterable[str], max_bytes: int) -> list[str]:
    """The safe names of `uploads`, in order; raise for the first file that cannot be stored."""
    if not uploads:
        raise InvalidUploadError("no files were uploaded (send them in the multipart field `files`)")
    if len(uploads) > MAX_FILES_PER_UPLOAD:
        raise InvalidUploadError(f"at most {MAX_FILES_PER_UPLOAD} files can be uploaded at once")
    allowed = tuple(allowed)
    names: list[str] = []
    for upload in uploads:
        name = safe_name(upload.filename)
        check_extension(name, allowed)
        if upload.size is not None:
            check_size(f"the file {name!r}", upload.size, max_bytes)
        if name in names:
            raise InvalidUploadError(f"the file {name!r} is uploaded twice in one request")
        names.append(name)
    return names


class DigestingReader:
    """Wrap a binary stream; count, hash and UTF-8-check what is read through it."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._sha256 = hashlib.sha256()
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._text = True
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        self.size += len(chunk)
        self._sha256.update(chunk)
        if self._text:
            if b"\x00" in chunk:
                self._text = False
            else:
                try:
                    self._decoder.decode(chunk)
                except UnicodeDecodeError:
                    self._text = False
        return chunk

    @property
    def sha256(self) -> str:
        return self._sha256.hexdigest()

    @property
    def is_text(self) -> bool:
        """True when everything read so far is NUL-free UTF-8 (and not cut inside a character)."""
        if not self._text:
            return False
        try:
            self._decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
        return True
