"""Helpers for the config-group API tests: multipart bodies, Hadoop XML, keytabs, audit lookups."""

from __future__ import annotations

import secrets
import struct
import uuid
from typing import Any

from helpers.platform_runner import Platform, Response

CORE_SITE = b"""<?xml version="1.0"?>
<configuration>
  <property><name>fs.defaultFS</name><value>hdfs://master:9000</value></property>
  <property><name>hadoop.tmp.dir</name><value>/data/HadoopData</value><final>true</final></property>
</configuration>
"""
HDFS_SITE = (
    b"""<configuration><property><name>dfs.replication</name><value>2</value></property></configuration>"""
)
YARN_SITE = b"""<configuration>
<property><name>yarn.resourcemanager.hostname</name><value>rm.example.com</value></property>
</configuration>"""


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def multipart(files: list[tuple[str, bytes]], field: str = "files") -> tuple[bytes, dict[str, str]]:
    boundary = "wfo" + secrets.token_hex(12)
    parts = []
    for name, data in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def upload(platform: Platform, path: str, files: list[tuple[str, bytes]], user: str = "admin") -> Response:
    body, headers = multipart(files)
    return platform.api(
        "POST", path, user=user, password=password_of(platform, user), data=body, headers=headers
    )


def password_of(platform: Platform, user: str) -> str:
    from helpers.platform_runner import role_password

    return platform.admin_password if user == "admin" else role_password(user)


def call(platform: Platform, method: str, path: str, user: str = "admin", **kwargs: Any) -> Response:
    return platform.api(method, path, user=user, password=password_of(platform, user), **kwargs)


def make_group(platform: Platform, prefix: str = "grp") -> str:
    name = unique(prefix)
    call(platform, "POST", "/config-groups", json_body={"name": name}, expected=(201,))
    return name


def _string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack(">H", len(raw)) + raw


def keytab(*principals: str) -> bytes:
    """A version 0x0502 keytab holding one (fake) key per principal."""
    records = b""
    for principal in principals:
        name, realm = principal.rsplit("@", 1)
        components = name.split("/")
        body = struct.pack(">H", len(components)) + _string(realm) + b"".join(_string(c) for c in components)
        key = b"K" * 16
        body += struct.pack(">IIBHH", 1, 1_700_000_000, 3, 18, len(key)) + key + struct.pack(">I", 3)
        records += struct.pack(">i", len(body)) + body
    return b"\x05\x02" + records


def audit_events(platform: Platform, action: str, limit: int = 50) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = call(
        platform, "GET", f"/audit/events?action={action}&limit={limit}"
    ).json()["events"]
    return events
