"""An uploaded file as the services receive it: a client-given name and a stream to read (limited)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from wfo.storage.limits import read_limited
from wfo.storage.names import safe_name


@dataclass(frozen=True)
class IncomingFile:
    name: str
    stream: IO[bytes]

    def read(self, max_bytes: int) -> tuple[str, bytes]:
        """The checked name and the content; `UnsafeNameError` / `FileTooLargeError` otherwise."""
        name = safe_name(self.name)
        return name, read_limited(self.stream, max_bytes, what=f"the file {name!r}")
