"""Which krb5.conf settings may load code: everything outside a short allow-list of harmless ones.

Tasks get the group's krb5.conf as KRB5_CONFIG, and MIT libkrb5 loads code named there: `[plugins]`
(`module = name:/path/lib.so`), `[dbmodules]`, `plugin_base_dir`, PKCS#11 modules of `pkinit_*`
identities, and the `include` / `includedir` / `module` directives pull in files of anyone's choosing.
So, like Spark confs (`spark_tuning`), a krb5.conf is judged by an allow-list: the relations below, in
the sections `libdefaults`, `realms`, `domain_realm` and `capaths`, need only `WFO Config Groups`
can_edit (Op); any other section, directive, key or line is a code setting (Developer or Admin).

The file is read the way libkrb5's profile parser reads it (`prof_parse.c`): a line starting with
`include` is a directive wherever it is, relations before the first `[section]` are ignored, a tag ends
at the first blank and a `*` marks it final. Lines libkrb5 might read differently from us (control
characters, a lone CR, lines longer than its 2 KiB buffer, anything we cannot parse) count as code.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

# Relations of [libdefaults] (also per realm, `REALM = { ... }`) that name no file, library or command.
LIBDEFAULTS_KEYS = frozenset(
    {
        "allow_weak_crypto", "ap_req_checksum_type", "canonicalize", "ccache_type", "clockskew",
        "client_aware_channel_bindings", "default_realm", "default_tgs_enctypes", "default_tkt_enctypes",
        "disable_encrypted_timestamp", "dns_canonicalize_hostname", "dns_lookup_kdc", "dns_lookup_realm",
        "dns_uri_lookup", "enforce_ok_as_delegate", "extra_addresses", "forwardable",
        "ignore_acceptor_hostname", "kdc_default_options", "kdc_req_checksum_type", "kdc_timeout",
        "kdc_timesync", "max_retries", "noaddresses", "permitted_enctypes", "proxiable",
        "qualify_shortname", "rdns", "realm_try_domains", "renew_lifetime", "request_timeout",
        "safe_checksum_type", "spake_preauth_groups", "ticket_lifetime", "udp_preference_limit",
        "verify_ap_req_nofail",
    }
)  # fmt: skip
# Relations of a realm in [realms]: where its servers are.
REALM_KEYS = frozenset({"admin_server", "default_domain", "kdc", "kpasswd_server", "master_kdc", "primary_kdc"})
OP_SECTIONS = ("libdefaults", "realms", "domain_realm", "capaths")
DIRECTIVES = {
    "include": "loads another file",
    "includedir": "loads every file of a folder",
    "module": "loads a profile library",
}
# libkrb5 reads 2047 bytes at a time and parses the rest of a longer line as a line of its own.
MAX_LINE_BYTES = 1024
_BLANKS = " \t\v\f\r\n"  # C's isspace


@dataclass(frozen=True)
class Krb5Setting:
    """One setting: `where` it is (`[realms] LAB/kdc`, `include`), its value, and why it is code (or None)."""

    where: str
    value: str
    code_reason: str | None


def _directive(line: str) -> str | None:
    # Longest first: "includedir" also starts with "include".
    for name in sorted(DIRECTIVES, key=len, reverse=True):
        if line == name or (line.startswith(name) and line[len(name)] in _BLANKS):
            return name
    return None


def _unreadable(line: str) -> str | None:
    if len(line.encode("utf-8")) > MAX_LINE_BYTES:
        return f"longer than {MAX_LINE_BYTES} bytes"
    if any(ord(char) < 32 and char != "\t" or ord(char) == 127 for char in line):
        return "holds a control character"
    return None


def _line(line: str) -> str:
    # Named by its text, not its number: lines added above it must not make it look changed.
    text = line.strip(_BLANKS)
    return f"the line {text[:60] + ('...' if len(text) > 60 else '')!r}"


def _relation_reason(section: str, tags: list[str]) -> str | None:
    """None when an Op may set `tags` (the path of a relation) in `section`."""
    key = tags[-1]
    if section == "libdefaults" and len(tags) <= 2:
        return None if key in LIBDEFAULTS_KEYS else "not on the list of settings an Op may change"
    if section == "realms" and len(tags) == 2:
        return None if key in REALM_KEYS else "not on the list of realm settings an Op may change"
    if section == "domain_realm" and len(tags) == 1:
        return None
    if section == "capaths" and len(tags) == 2:
        return None
    return f"not where [{section}] holds its settings"


def settings(text: str) -> Iterator[Krb5Setting]:
    """Every setting of a krb5.conf, in file order, each with why it counts as code (or None)."""
    section: str | None = None  # None: before the first section, where libkrb5 ignores relations
    tags: list[str] = []  # the open `tag = {` subsections
    wants_brace = False
    for raw in text.split("\n"):
        line = raw.removesuffix("\r")
        problem = _unreadable(line)
        if problem is not None:
            yield Krb5Setting(_line(line), line, f"libkrb5 may read it differently: it {problem}")
            continue
        directive = _directive(line)
        if directive is not None:
            yield Krb5Setting(directive, line[len(directive) :].strip(_BLANKS), DIRECTIVES[directive])
            continue
        if section is None and not line.startswith("["):
            continue
        body = line.lstrip(_BLANKS)
        if wants_brace:
            # libkrb5 wants the `{` of `tag =` on the next line, not even a comment in between.
            wants_brace = False
            if not body.startswith("{"):
                yield Krb5Setting(_line(line), line, "libkrb5 cannot read it: a '{' was expected")
            continue
        if not body or body[0] in "#;":
            continue
        if body[0] == "[":
            name, closed, rest = body[1:].partition("]")
            if tags or not closed or rest.removeprefix("*").strip(_BLANKS):
                yield Krb5Setting(_line(line), line, "libkrb5 cannot read it as a section header")
                continue
            section = name
            if name not in OP_SECTIONS:
                yield Krb5Setting(
                    f"[{name}]", "", f"a section an Op may not set; only {', '.join(OP_SECTIONS)} are"
                )
            continue
        if body[0] == "}":
            if not tags:
                yield Krb5Setting(_line(line), line, "libkrb5 cannot read it: no '{' is open")
            else:
                tags.pop()
            continue
        left, equals, value = body.partition("=")
        tag = left.rstrip(_BLANKS)
        if not equals or any(char in _BLANKS for char in tag) or not tag.split("*", 1)[0]:
            yield Krb5Setting(_line(line), line, "libkrb5 cannot read it as `tag = value`")
            continue
        tag, value = tag.split("*", 1)[0], value.strip(_BLANKS)
        if value == "" or (value[0] == "{" and not value[1:].strip(_BLANKS)):
            wants_brace = value == ""
            tags.append(tag)
            continue
        path = [*tags, tag]
        assert section is not None  # relations before the first section were skipped
        reason = _relation_reason(section, path) if section in OP_SECTIONS else f"in [{section}]"
        yield Krb5Setting(f"[{section}] {'/'.join(path)}", value, reason)


@dataclass(frozen=True)
class Krb5Conf:
    """A krb5.conf's settings as `where -> value(s)`: the code settings (with why) and the others."""

    code: dict[str, str]
    reasons: dict[str, str]
    other: dict[str, str]


def read(data: bytes | None) -> Krb5Conf:
    """The settings of a stored or uploaded krb5.conf (none for no file)."""
    conf = Krb5Conf({}, {}, {})
    for setting in settings((data or b"").decode("utf-8", errors="replace")):
        into = conf.other if setting.code_reason is None else conf.code
        into[setting.where] = f"{into[setting.where]}\n{setting.value}" if setting.where in into else setting.value
        if setting.code_reason is not None:
            conf.reasons.setdefault(setting.where, setting.code_reason)
    return conf


def code_changes(old: bytes | None, new: bytes | None) -> list[str]:
    """`krb5.conf: <where> (<why>)` for each code setting added, changed or removed between two files."""
    before, after = read(old), read(new)
    reasons = {**before.reasons, **after.reasons}
    return [
        f"krb5.conf: {where} ({reasons[where]})"
        for where in sorted(set(before.code) | set(after.code))
        if before.code.get(where) != after.code.get(where)
    ]


def other_changed(old: bytes | None, new: bytes | None) -> bool:
    """True when a setting an Op may change (realm, KDC, lifetimes ...) was added, changed or removed."""
    return read(old).other != read(new).other
