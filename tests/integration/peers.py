"""What the real peers the tests start (slapd, the OpenID provider) have in common: a
process with a temporary folder, stopped and cleaned up the same way, and one rule for a
peer that cannot start (a failure where CI promised it, a skip with the install hint here)."""

import os
import shutil
import subprocess
from dataclasses import dataclass

import pytest


def unavailable(peer: str, reason: str, hint: str):
    if os.environ.get("SHINKA_INTEGRATION") or os.environ.get("CI"):
        pytest.fail(f"{peer} cannot start: {reason}")
    pytest.skip(f"{peer} cannot start: {reason} ({hint})")


@dataclass
class RunningPeer:
    address: str  # ldap://127.0.0.1:port, or the provider's issuer URL
    process: subprocess.Popen
    folder: str

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
