"""A throwaway MIT Kerberos realm in a temporary folder, for tests that need real keytabs.

Uses Debian's `krb5-kdc` (kdb5_util), `krb5-admin-server` (kadmin.local) and `krb5-user` (klist,
ktutil). No KDC process is started: the database is created and edited locally, which is all
exporting keytabs needs.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

APT_PACKAGES = ("krb5-kdc", "krb5-admin-server", "krb5-user")
_SEARCH_PATH = os.pathsep.join((os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin", "/sbin"))


def tool(name: str) -> str | None:
    """The full path of a Kerberos tool (several live in sbin, often not on a user's PATH)."""
    return shutil.which(name, path=_SEARCH_PATH)


def missing_tools() -> list[str]:
    return [name for name in ("kdb5_util", "kadmin.local", "klist") if tool(name) is None]


@dataclass(frozen=True)
class Realm:
    name: str
    directory: Path
    env: dict[str, str]

    def run(self, *argv: str) -> str:
        executable = tool(argv[0]) or argv[0]
        result = subprocess.run(
            [executable, *argv[1:]], env=self.env, capture_output=True, text=True, timeout=60, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(argv)} failed ({result.returncode}): {result.stderr}{result.stdout}"
            )
        return result.stdout + result.stderr

    def kadmin(self, query: str) -> str:
        return self.run("kadmin.local", "-r", self.name, "-q", query)

    def add_principal(self, name: str) -> str:
        """Create `name` (without realm) with a random key; return `name@REALM`."""
        self.kadmin(f"addprinc -randkey {name}@{self.name}")
        return f"{name}@{self.name}"

    def export_keytab(self, path: Path, *principals: str) -> Path:
        """Append the current keys of `principals` to the keytab `path` (created if missing)."""
        self.kadmin(f"ktadd -k {path} -norandkey {' '.join(principals)}")
        return path

    def remove_from_keytab(self, path: Path, principal: str) -> None:
        """Delete a principal's entries from a keytab (leaves holes: negative-size records)."""
        self.kadmin(f"ktremove -k {path} {principal} all")

    def klist(self, path: Path) -> list[str]:
        """The principals `klist -k` prints for a keytab, unique, in file order."""
        output = self.run("klist", "-k", str(path))
        principals: list[str] = []
        for line in output.splitlines():
            parts = line.split(None, 1)
            if len(parts) == 2 and parts[0].isdigit() and parts[1] not in principals:
                principals.append(parts[1].strip())
        return principals


def create_realm(directory: Path, name: str = "WFO.TEST") -> Realm:
    """A new realm database under `directory` with a random master password."""
    directory.mkdir(parents=True, exist_ok=True)
    krb5_conf = directory / "krb5.conf"
    kdc_conf = directory / "kdc.conf"
    krb5_conf.write_text(
        f"[libdefaults]\n  default_realm = {name}\n"
        f"[realms]\n  {name} = {{\n    kdc = 127.0.0.1:1\n    admin_server = 127.0.0.1:1\n  }}\n"
    )
    kdc_conf.write_text(
        f"[realms]\n  {name} = {{\n"
        f"    database_name = {directory}/principal\n"
        f"    key_stash_file = {directory}/stash\n"
        f"    acl_file = {directory}/kadm5.acl\n"
        f"    admin_keytab = FILE:{directory}/kadm5.keytab\n  }}\n"
    )
    env = {
        "PATH": _SEARCH_PATH,
        "KRB5_CONFIG": str(krb5_conf),
        "KRB5_KDC_PROFILE": str(kdc_conf),
        "KRB5CCNAME": f"FILE:{directory}/ccache",
    }
    realm = Realm(name=name, directory=directory, env=env)
    realm.run("kdb5_util", "-r", name, "create", "-s", "-P", secrets.token_urlsafe(24))
    return realm
