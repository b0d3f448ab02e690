"""A real SAML 2.0 identity provider for the tests: pysaml2 (``saml_idp/idp.py``) in its own
venv (``make e2e-deps``), on 127.0.0.1.

``signing_key`` makes a key and a self-signed certificate with ``openssl`` in a temporary
folder; ``start_idp`` writes the IdP's configuration (entity ID, keys, accounts), starts it and
waits for its "listening <base URL>" line. ``BrowserAtIdP`` plays the person's browser at the
IdP: it opens the redirect from Shinka, fills in the IdP's login form and hands back the
self-submitting form (the ACS URL, ``SAMLResponse`` and ``RelayState``) that the browser would
post to Shinka, which the Django test client then posts.
"""

import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import requests

from .peers import RunningPeer, unavailable

IDP_DIR = Path(__file__).parent / "saml_idp"
IDP_PYTHON = IDP_DIR / ".venv" / "bin" / "python"


def _unavailable(reason: str):
    # CI makes the IdP's venv (`make e2e-deps`): missing there is a failure.
    unavailable("the SAML identity provider", reason, "run `make e2e-deps`")


def signing_key(folder: str, name: str) -> tuple[str, str]:
    """(key file, certificate file): RSA 2048, self-signed, valid for two days."""
    openssl = shutil.which("openssl")
    if openssl is None:
        _unavailable("openssl is not installed")
    key, cert = Path(folder) / f"{name}.key", Path(folder) / f"{name}.crt"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
         "-subj", f"/CN={name}", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return str(key), str(cert)


def start_idp(*, entity_id: str, accounts: dict) -> RunningPeer:
    if not IDP_PYTHON.exists():
        _unavailable("tests/integration/saml_idp/.venv is missing")
    if shutil.which("xmlsec1") is None:
        _unavailable("xmlsec1 is not installed (apt-get install xmlsec1)")
    folder = tempfile.mkdtemp(prefix="shinka-idp-")
    key, cert = signing_key(folder, "idp")
    rogue_key, rogue_cert = signing_key(folder, "rogue")
    config = Path(folder) / "idp.json"
    config.write_text(
        json.dumps(
            {
                "entity_id": entity_id,
                "key_file": key,
                "cert_file": cert,
                "rogue_key_file": rogue_key,
                "rogue_cert_file": rogue_cert,
                "xmlsec_binary": shutil.which("xmlsec1"),
                "accounts": accounts,
            }
        )
    )
    log = open(Path(folder) / "idp.log", "w")  # noqa: SIM115 - closed with the folder
    process = subprocess.Popen(
        [str(IDP_PYTHON), str(IDP_DIR / "idp.py"), str(config)],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    line = process.stdout.readline()
    if not line.startswith("listening "):
        process.kill()
        _unavailable(f"it did not start: {line!r} {(Path(folder) / 'idp.log').read_text()}")
    return RunningPeer(address=line.split()[1], process=process, folder=folder)


def idp_metadata(idp: RunningPeer) -> str:
    """The IdP's metadata, as it serves it (the file a town hands to Shinka)."""
    response = requests.get(f"{idp.address}/metadata", timeout=10)
    response.raise_for_status()
    return response.text


def register_service_provider(idp: RunningPeer, metadata: bytes) -> None:
    """Give the IdP Shinka's metadata (what a town uploads at its IdP)."""
    response = requests.post(f"{idp.address}/sp-metadata", data=metadata, timeout=10)
    assert response.status_code == 200, response.text


FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


class BrowserAtIdP:
    """The person's browser while it is at the IdP."""

    def __init__(self, address: str):
        self.address = address
        self.session = requests.Session()

    def sign_in(self, redirect_url: str, login: str, password: str) -> tuple[str, dict]:
        """Log in at the IdP; (the URL the browser posts to, the fields it posts)."""
        page = self.session.get(redirect_url, allow_redirects=False, timeout=10)
        assert page.status_code == 200 and "Sign in" in page.text, page.text
        fields = dict(HIDDEN.findall(page.text))
        fields.update(login=login, password=password)
        page = self.session.post(
            self.address + FORM_ACTION.search(page.text).group(1),
            data=fields,
            allow_redirects=False,
            timeout=10,
        )
        assert page.status_code == 200, page.text
        action = html.unescape(FORM_ACTION.search(page.text).group(1))
        return action, {name: html.unescape(value) for name, value in HIDDEN.findall(page.text)}
