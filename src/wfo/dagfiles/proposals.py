"""Legacy-upgrade proposals for the DAG-file routes: computed in the validator, cached by content.

Reading a file says whether it is legacy code, and checking one before a write attaches the proposed
upgrade; an explicit upgrade request returns the rewrite. All of them run libcst in a validator child
(`wfo.dagfiles.validation.upgrade_isolated`), never in the api-server, and each asks again only when
the content changed: answers (failures included) are kept in a small LRU cache keyed by the file name
(the diff names it) and the content's SHA-256, bounded in entries and in cached characters.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from wfo.dagfiles.errors import UpgradeFailed
from wfo.dagfiles.schemas import Problem, UpgradeIssue, UpgradeResult
from wfo.dagfiles.upgrade_rules import LEGACY_MARKERS
from wfo.dagfiles.validation import upgrade_isolated

MAX_ENTRIES = 256
MAX_CACHED_CHARS = 32 * 1024 * 1024

# A cached answer: the result (None: not legacy), or why the child that computed it was stopped.
_Answer = UpgradeResult | Problem | None


class _LruCache:
    def __init__(self, max_entries: int, max_chars: int) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self.entries: OrderedDict[tuple[str, str, str], tuple[_Answer, int]] = OrderedDict()
        self.chars = 0
        self.lock = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> tuple[bool, _Answer]:
        with self.lock:
            if key not in self.entries:
                return False, None
            self.entries.move_to_end(key)
            return True, self.entries[key][0]

    def put(self, key: tuple[str, str, str], answer: _Answer) -> None:
        size = _size(answer)
        if size > self.max_chars:
            return
        with self.lock:
            if key in self.entries:
                self.chars -= self.entries.pop(key)[1]
            self.entries[key] = (answer, size)
            self.chars += size
            while len(self.entries) > self.max_entries or self.chars > self.max_chars:
                _, (_, dropped) = self.entries.popitem(last=False)
                self.chars -= dropped

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.chars = 0


def _size(answer: _Answer) -> int:
    if isinstance(answer, UpgradeResult):
        return len(answer.source) + len(answer.diff) + 256
    return 256


_cache = _LruCache(MAX_ENTRIES, MAX_CACHED_CHARS)


def _key(kind: str, name: str, content: str) -> tuple[str, str, str]:
    digest = hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()
    return kind, name, digest


def _cached(kind: str, name: str, content: str) -> _Answer:
    key = _key(kind, name, content)
    found, answer = _cache.get(key)
    if not found:
        try:
            answer = upgrade_isolated(name, content, proposal_only=kind == "propose")
        except UpgradeFailed as exc:
            answer = exc.problem
        _cache.put(key, answer)
    return answer


def proposal(name: str, content: str) -> UpgradeResult | None:
    """The proposed upgrade of legacy code, else None.

    Cheap for modern files (one regex, no round trip). A legacy-looking file whose upgrade was stopped
    gets a proposal that changes nothing and says why, so it is not taken for modern code.
    """
    if not LEGACY_MARKERS.search(content):
        return None
    answer = _cached("propose", name, content)
    if isinstance(answer, Problem):
        issue = UpgradeIssue(
            line=1,
            message=f"the automatic upgrade could not run: {answer.message}",
            hint="split the file or simplify its largest expressions, then check it again",
        )
        return UpgradeResult(changed=False, source=content, diff="", issues=[issue])
    return answer


def is_legacy(name: str, content: str) -> bool:
    """Whether reading the file should offer an upgrade (cached; see `proposal`)."""
    return proposal(name, content) is not None


def upgrade(name: str, content: str) -> UpgradeResult:
    """The automatic upgrade; `UpgradeFailed` when it was stopped."""
    answer = _cached("upgrade", name, content)
    if isinstance(answer, Problem):
        raise UpgradeFailed(answer)
    if answer is None:  # the validator always answers a result for this kind
        raise UpgradeFailed(Problem(kind="other", message="the validator returned no upgrade"))
    return answer


def clear_cache() -> None:
    _cache.clear()
