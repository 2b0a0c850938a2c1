"""A throwaway OpenLDAP directory for tests: Debian's slapd on free loopback ports, in a temporary folder.

`slapd -f` with a generated slapd.conf (mdb backend, the memberOf overlay over groupOfNames groups), a
self-signed CA and a server certificate made with `cryptography` (LDAPS and StartTLS), a bind account and
helpers to add users and change group members. Stopped with `stop()` (SIGTERM, then SIGKILL).
"""

from __future__ import annotations

import datetime
import ipaddress
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SLAPD = "/usr/sbin/slapd"
SCHEMA = Path("/etc/ldap/schema")
MODULES = Path("/usr/lib/ldap")
BASE = "dc=example,dc=org"
ADMIN_DN = f"cn=admin,{BASE}"
BIND_DN = f"cn=wfo-bind,ou=services,{BASE}"
PEOPLE = f"ou=people,{BASE}"
GROUPS = f"ou=groups,{BASE}"


def available() -> bool:
    return Path(SLAPD).exists() and (MODULES / "memberof.la").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_names() -> tuple[str, ...]:
    """The names the server certificate must carry: libldap checks a `localhost` URL against the machine's
    own name (it replaces localhost by the FQDN before the check)."""
    return tuple(dict.fromkeys(("localhost", socket.gethostname(), socket.getfqdn())))


def make_certificates(folder: Path, hosts: tuple[str, ...] | None = None) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate, server key) PEM files; the server certificate names `hosts`
    (default: `server_names()`) and 127.0.0.1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    hosts = hosts or server_names()
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wfo test LDAP CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [x509.DNSName(h) for h in hosts]
    names.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    return ca_path, cert_path, key_path


_CONFIG = """\
include {schema}/core.schema
include {schema}/cosine.schema
include {schema}/inetorgperson.schema
include {schema}/nis.schema
modulepath {modules}
moduleload back_mdb
moduleload memberof
pidfile {dir}/slapd.pid
argsfile {dir}/slapd.args
TLSCACertificateFile {dir}/ca.pem
TLSCertificateFile {dir}/server.pem
TLSCertificateKeyFile {dir}/server.key

database mdb
suffix "{base}"
rootdn "{admin}"
rootpw {admin_password}
directory {dir}/db
maxsize 10485760
overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint TRUE
access to attrs=userPassword
    by self write
    by anonymous auth
    by * none
access to *
    by users read
    by * none
"""


@dataclass
class LdapServer:
    folder: Path
    port: int
    ldaps_port: int
    admin_password: str
    bind_password: str
    process: subprocess.Popen[bytes] | None = None
    users: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"ldap://localhost:{self.port}"

    @property
    def ldaps_url(self) -> str:
        return f"ldaps://localhost:{self.ldaps_port}"

    @property
    def ca_pem(self) -> str:
        return (self.folder / "ca.pem").read_text()

    @staticmethod
    def user_dn(uid: str) -> str:
        return f"uid={uid},{PEOPLE}"

    @staticmethod
    def group_dn(cn: str) -> str:
        return f"cn={cn},{GROUPS}"

    def admin(self) -> Any:
        import ldap

        con = ldap.initialize(self.url)
        con.simple_bind_s(ADMIN_DN, self.admin_password)
        return con

    def add_user(self, uid: str, password: str, given: str = "Test", surname: str = "User") -> str:
        dn = self.user_dn(uid)
        entry = {
            "objectClass": [b"inetOrgPerson"],
            "uid": [uid.encode()],
            "cn": [f"{given} {surname}".encode()],
            "givenName": [given.encode()],
            "sn": [surname.encode()],
            "mail": [f"{uid}@example.org".encode()],
            "userPassword": [password.encode()],
        }
        con = self.admin()
        con.add_s(dn, list(entry.items()))
        con.unbind_s()
        self.users[uid] = password
        return dn

    def add_group(self, cn: str, *uids: str) -> str:
        dn = self.group_dn(cn)
        # groupOfNames needs a member: every group also holds the bind account, so the last user can leave.
        members = [BIND_DN.encode()] + [self.user_dn(uid).encode() for uid in uids]
        con = self.admin()
        con.add_s(dn, [("objectClass", [b"groupOfNames"]), ("cn", [cn.encode()]), ("member", members)])
        con.unbind_s()
        return dn

    def set_member(self, cn: str, uid: str, member: bool) -> None:
        import ldap

        con = self.admin()
        op = ldap.MOD_ADD if member else ldap.MOD_DELETE
        con.modify_s(self.group_dn(cn), [(op, "member", [self.user_dn(uid).encode()])])
        con.unbind_s()

    def groups_of(self, uid: str) -> list[str]:
        import ldap

        con = self.admin()
        found = con.search_s(self.user_dn(uid), ldap.SCOPE_BASE, "(objectClass=*)", ["memberOf"])
        con.unbind_s()
        return [value.decode() for value in found[0][1].get("memberOf", [])]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def start_ldap_server(folder: Path, timeout: float = 30.0) -> LdapServer:
    """A running slapd with the base, people/groups/services entries and the bind account."""
    import ldap

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "db").mkdir(exist_ok=True)
    make_certificates(folder)
    server = LdapServer(
        folder, _free_port(), _free_port(), secrets.token_urlsafe(12), "bind-" + secrets.token_urlsafe(12)
    )
    config = _CONFIG.format(
        schema=SCHEMA,
        modules=MODULES,
        dir=folder,
        base=BASE,
        admin=ADMIN_DN,
        admin_password=server.admin_password,
    )
    (folder / "slapd.conf").write_text(config)
    (folder / "slapd.conf").chmod(0o600)
    log = open(folder / "slapd.log", "ab")  # closed with the process
    urls = f"ldap://127.0.0.1:{server.port}/ ldaps://127.0.0.1:{server.ldaps_port}/"
    server.process = subprocess.Popen(
        [SLAPD, "-f", str(folder / "slapd.conf"), "-h", urls, "-d", "0"],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    log.close()
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"slapd exited with {server.process.returncode}:\n{(folder / 'slapd.log').read_text()}"
            )
        try:
            con = server.admin()
            break
        except ldap.SERVER_DOWN:
            if time.monotonic() > deadline:
                server.stop()
                raise TimeoutError(f"slapd did not answer within {timeout} s") from None
            time.sleep(0.1)
    con.add_s(
        BASE, [("objectClass", [b"dcObject", b"organization"]), ("dc", [b"example"]), ("o", [b"Example"])]
    )
    for ou in ("people", "groups", "services"):
        con.add_s(f"ou={ou},{BASE}", [("objectClass", [b"organizationalUnit"]), ("ou", [ou.encode()])])
    con.add_s(
        BIND_DN,
        [
            ("objectClass", [b"organizationalRole", b"simpleSecurityObject"]),
            ("cn", [b"wfo-bind"]),
            ("userPassword", [server.bind_password.encode()]),
        ],
    )
    con.unbind_s()
    return server


def which_missing() -> str | None:
    """Why slapd tests cannot run here (None: they can)."""
    if not available():
        return "Debian's slapd (with its memberof module) is not installed: ./run test installs it"
    if shutil.which("ldapsearch") is None:
        return "ldap-utils is not installed"
    return None
