"""A real OpenID Provider for the tests: the npm ``oidc-provider`` run by node on 127.0.0.1.

``start_op`` writes the provider's clients and accounts to a temporary file, starts
``tests/integration/oidc_op/op.mjs`` and waits for its "listening <issuer>" line.
``BrowserAtOp`` plays the person's browser at the provider: it follows the provider's
redirects, fills in its login and consent forms, and hands back the redirect to Shinka's
callback (which the Django test client then requests).
"""

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import requests

from .peers import RunningPeer, unavailable

OP_DIR = Path(__file__).parent / "oidc_op"


def _unavailable(reason: str):
    # CI installs node and the provider (`make e2e-deps`): missing there is a failure.
    unavailable("the OpenID provider", reason, "run `make e2e-deps`")


def start_op(*, clients: list[dict], accounts: dict) -> RunningPeer:
    node = shutil.which("node")
    if node is None:
        _unavailable("node is not installed")
    if not (OP_DIR / "node_modules" / "oidc-provider").is_dir():
        _unavailable("tests/integration/oidc_op/node_modules is missing")
    folder = tempfile.mkdtemp(prefix="shinka-op-")
    config = Path(folder) / "op.json"
    config.write_text(json.dumps({"port": 0, "clients": clients, "accounts": accounts}))
    log = open(Path(folder) / "op.log", "w")  # noqa: SIM115 - closed with the folder
    process = subprocess.Popen(
        [node, str(OP_DIR / "op.mjs"), str(config)],
        cwd=OP_DIR,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    line = process.stdout.readline()
    if not line.startswith("listening "):
        process.kill()
        _unavailable(f"it did not start: {line!r} {(Path(folder) / 'op.log').read_text()}")
    return RunningPeer(address=line.split()[1], process=process, folder=folder)


FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')


class BrowserAtOp:
    """The person's browser while it is at the provider (its own cookies there)."""

    def __init__(self, issuer: str):
        self.issuer = issuer
        self.session = requests.Session()

    def _until_back(self, response) -> requests.Response | str:
        """Follow the provider's redirects; a redirect elsewhere (to Shinka) is returned."""
        for _ in range(10):
            if response.is_redirect:
                location = requests.compat.urljoin(response.url, response.headers["Location"])
                if not location.startswith(self.issuer):
                    return location
                response = self.session.get(location, allow_redirects=False, timeout=10)
                continue
            return response
        raise AssertionError("too many redirects at the provider")

    def sign_in(self, authorize_url: str, login: str, password: str) -> str:
        """Log in (and consent) at the provider; the callback URL it sends the browser to."""
        page = self._until_back(self.session.get(authorize_url, allow_redirects=False, timeout=10))
        assert not isinstance(page, str), page
        assert "Sign in" in page.text, page.text
        action = FORM_ACTION.search(page.text).group(1)
        page = self._until_back(
            self.session.post(
                self.issuer + action,
                data={"login": login, "password": password},
                allow_redirects=False,
                timeout=10,
            )
        )
        if not isinstance(page, str):
            assert "Consent" in page.text, page.text
            action = FORM_ACTION.search(page.text).group(1)
            page = self._until_back(
                self.session.post(self.issuer + action, allow_redirects=False, timeout=10)
            )
        assert isinstance(page, str), page.text
        return page


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"
