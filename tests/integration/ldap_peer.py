"""A real OpenLDAP ``slapd`` for the tests, on a free port of 127.0.0.1 (Debian's slapd).

``start_slapd`` writes a slapd.conf (mdb database in a temporary folder, the core, cosine
and inetOrgPerson schemas), starts slapd in the foreground, waits until it answers and loads
the given LDIF with ``ldapadd``.
"""

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from .peers import RunningPeer, unavailable

SUFFIX = "dc=town,dc=example"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "admin-secret-of-the-test-directory"


def _unavailable(reason: str):
    unavailable("slapd", reason, "apt-get install slapd ldap-utils")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_slapd(ldif: str) -> RunningPeer:
    slapd = shutil.which("slapd") or (
        "/usr/sbin/slapd" if Path("/usr/sbin/slapd").exists() else None
    )
    ldapadd = shutil.which("ldapadd")
    if slapd is None or ldapadd is None:
        _unavailable("slapd or ldapadd is not installed")
    folder = Path(tempfile.mkdtemp(prefix="shinka-slapd-"))
    (folder / "db").mkdir()
    (folder / "slapd.conf").write_text(
        "\n".join(
            [
                *(f"include /etc/ldap/schema/{name}.schema" for name in
                  ("core", "cosine", "inetorgperson")),
                f"pidfile {folder}/slapd.pid",
                "modulepath /usr/lib/ldap",
                "moduleload back_mdb",
                "database mdb",
                f'suffix "{SUFFIX}"',
                f'rootdn "{ROOT_DN}"',
                f"rootpw {ROOT_PASSWORD}",
                f"directory {folder}/db",
                "maxsize 10485760",
                "access to attrs=userPassword by anonymous auth by * none",
                "access to * by * read",
                "",
            ]
        )
    )  # fmt: skip
    uri = f"ldap://127.0.0.1:{_free_port()}"
    log = open(folder / "slapd.log", "w")  # noqa: SIM115 - removed with the folder
    process = subprocess.Popen(
        [slapd, "-f", str(folder / "slapd.conf"), "-h", f"{uri}/", "-d", "0"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    host, port = uri.removeprefix("ldap://").split(":")
    for _ in range(100):
        if process.poll() is not None:
            _unavailable(f"slapd exited: {(folder / 'slapd.log').read_text()}")
        try:
            socket.create_connection((host, int(port)), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    running = RunningPeer(address=uri, process=process, folder=str(folder))
    loaded = subprocess.run(
        [ldapadd, "-x", "-H", uri, "-D", ROOT_DN, "-w", ROOT_PASSWORD],
        input=ldif,
        capture_output=True,
        text=True,
        timeout=20,
    )
    if loaded.returncode != 0:
        running.stop()
        raise AssertionError(f"ldapadd failed: {loaded.stderr}")
    return running
