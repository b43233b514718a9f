#!/usr/bin/env python3
"""A throwaway OpenLDAP server for the test suite, on 127.0.0.1 and free ports.

    scripts/slapd.py start DIR    prints the server's settings, one NAME=value a line:
                                  BWC_TEST_LDAP_URL (ldaps://), BWC_TEST_LDAP_STARTTLS_URL
                                  (ldap://, for StartTLS), BWC_TEST_LDAP_BIND_DN,
                                  BWC_TEST_LDAP_PASSWORD, BWC_TEST_LDAP_BASE_DN,
                                  BWC_TEST_LDAP_CA (the CA file that signed the server's
                                  certificate); DIR/server.env holds the same lines
    scripts/slapd.py start DIR --ldif FILE   the same, with FILE's entries loaded (slapadd)
                                  before the server starts (the benchmark's 40,000 people)
    scripts/slapd.py stop DIR

The directory looks like a small Active Directory: users carry objectGUID (16 bytes),
userAccountControl, employeeID, sAMAccountName, department, title and extensionAttribute1/2
(auxiliary class ``bwcADUser`` beside inetOrgPerson); groups are groupOfNames and the
memberof overlay gives each member its memberOf values. OpenLDAP adds entryUUID itself.
The suffix is dc=bwc,dc=test, with ou=people and ou=groups under it.

Exit code 3 means slapd is not installed (Debian/Ubuntu: apt-get install slapd ldap-utils)."""

from __future__ import annotations

import base64
import datetime
import hashlib
import ipaddress
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

SUFFIX = "dc=bwc,dc=test"
ADMIN_DN = f"cn=admin,{SUFFIX}"
SCHEMA_DIR = Path("/etc/ldap/schema")
MODULE_DIRS = ("/usr/lib/ldap", "/usr/lib/x86_64-linux-gnu/ldap", "/usr/lib64/openldap",
               "/usr/libexec/openldap")

AD_LITE_SCHEMA = """\
# A few of Active Directory's attributes, under their own OIDs, for BWC Desk's tests.
attributetype ( 1.2.840.113556.1.4.2 NAME 'objectGUID'
    EQUALITY octetStringMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl'
    EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.35 NAME 'employeeID'
    EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName'
    EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.141 NAME 'department'
    EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.423 NAME 'extensionAttribute1'
    EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.424 NAME 'extensionAttribute2'
    EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.32473.1.2.1 NAME 'bwcADUser' SUP top AUXILIARY
    MAY ( objectGUID $ userAccountControl $ employeeID $ sAMAccountName $ department $
          extensionAttribute1 $ extensionAttribute2 ) )
"""


def slapd_binary() -> str | None:
    chosen = os.environ.get("BWC_TEST_SLAPD")  # the tests' stand-in for "not installed"
    if chosen:
        return chosen if Path(chosen).exists() else None
    for candidate in ("/usr/sbin/slapd", "/usr/libexec/slapd", shutil.which("slapd")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def slapadd_binary(slapd: str) -> str:
    found = shutil.which("slapadd") or str(Path(slapd).with_name("slapadd"))
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ssha(password: str) -> str:
    salt = secrets.token_bytes(8)
    digest = hashlib.sha1(password.encode() + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def _certificates(folder: Path) -> None:
    """A CA and a server certificate for 127.0.0.1 and localhost, as the tests' TLS."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    later = now + datetime.timedelta(days=30)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "BWC Desk test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now).not_valid_after(later)
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                       False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(ca_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(later)
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "server.pem").write_bytes(cert.public_bytes(pem))
    key_file = folder / "server.key"
    key_file.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_file.chmod(0o600)


def _config(folder: Path, password: str) -> str:
    modules = next((d for d in MODULE_DIRS if Path(d, "back_mdb.so").exists()
                    or Path(d, "back_mdb.la").exists()), "/usr/lib/ldap")
    return f"""\
include {SCHEMA_DIR}/core.schema
include {SCHEMA_DIR}/cosine.schema
include {SCHEMA_DIR}/inetorgperson.schema
include {folder}/ad-lite.schema
pidfile {folder}/slapd.pid
argsfile {folder}/slapd.args
modulepath {modules}
moduleload back_mdb
moduleload memberof
TLSCACertificateFile {folder}/ca.pem
TLSCertificateFile {folder}/server.pem
TLSCertificateKeyFile {folder}/server.key
sizelimit unlimited
timelimit unlimited

database mdb
suffix "{SUFFIX}"
rootdn "{ADMIN_DN}"
rootpw {ssha(password)}
directory {folder}/data
maxsize 4294967296
dbnosync
index objectClass eq
index entryUUID eq
index employeeID,sAMAccountName,uid eq
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by * none
overlay memberof
memberof-refint TRUE
"""


BASE_LDIF = f"""\
dn: {SUFFIX}
objectClass: dcObject
objectClass: organization
dc: bwc
o: BWC Desk test agency

dn: ou=people,{SUFFIX}
objectClass: organizationalUnit
ou: people

dn: ou=groups,{SUFFIX}
objectClass: organizationalUnit
ou: groups
"""


def start(folder: Path, ldif: Path | None = None) -> int:
    slapd = slapd_binary()
    if slapd is None:
        print("slapd is not installed (Debian/Ubuntu: apt-get install slapd ldap-utils)",
              file=sys.stderr)
        return 3
    if (folder / "slapd.pid").exists():
        print(f"a server is already running from {folder}; stop it first", file=sys.stderr)
        return 1
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data").mkdir(exist_ok=True)
    password = secrets.token_urlsafe(18)
    (folder / "ad-lite.schema").write_text(AD_LITE_SCHEMA)
    _certificates(folder)
    conf = folder / "slapd.conf"
    conf.write_text(_config(folder, password))
    conf.chmod(0o600)
    (folder / "base.ldif").write_text(BASE_LDIF)
    subprocess.run([slapadd_binary(slapd), "-q", "-f", str(conf), "-l", str(folder / "base.ldif")],
                   check=True, stdout=subprocess.DEVNULL)
    if ldif is not None:
        subprocess.run([slapadd_binary(slapd), "-q", "-f", str(conf), "-l", str(ldif)],
                       check=True, stdout=subprocess.DEVNULL)
    plain, tls = free_port(), free_port()
    urls = f"ldap://127.0.0.1:{plain}/ ldaps://127.0.0.1:{tls}/"
    (folder / "urls").write_text(urls)
    done = subprocess.run([slapd, "-f", str(conf), "-h", urls], stderr=subprocess.PIPE,
                          text=True)
    if done.returncode != 0:
        print(f"slapd did not start: {done.stderr.strip()}", file=sys.stderr)
        return 1
    if not _answers(tls):
        print("slapd started but does not answer on 127.0.0.1", file=sys.stderr)
        stop(folder)
        return 1
    lines = [
        f"BWC_TEST_LDAP_URL=ldaps://127.0.0.1:{tls}",
        f"BWC_TEST_LDAP_STARTTLS_URL=ldap://127.0.0.1:{plain}",
        f"BWC_TEST_LDAP_BIND_DN={ADMIN_DN}",
        f"BWC_TEST_LDAP_PASSWORD={password}",
        f"BWC_TEST_LDAP_BASE_DN={SUFFIX}",
        f"BWC_TEST_LDAP_CA={folder / 'ca.pem'}",
    ]
    env = folder / "server.env"
    env.write_text("\n".join(lines) + "\n")
    env.chmod(0o600)
    print("\n".join(lines))
    return 0


def _answers(port: int, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def _pid(folder: Path) -> int | None:
    try:
        return int((folder / "slapd.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def stop(folder: Path) -> int:
    pid = _pid(folder)
    if pid is not None:
        try:
            os.kill(pid, signal.SIGTERM)
            for _ in range(200):
                os.kill(pid, 0)
                time.sleep(0.05)
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["start"] and len(args) == 4 and args[2] == "--ldif":
        sys.exit(start(Path(args[1]), Path(args[3])))
    if len(args) != 2 or args[0] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(start(Path(args[1])) if args[0] == "start" else stop(Path(args[1])))
