"""SHINKA_DIRECTORY from the environment into allauth's apps, the backends and the content
security policy; the MFA rule as a table (issue 18; the round trips against real peers are in
tests/integration/test_directory_oidc.py and test_directory_ldap.py)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.socialaccount.models import SocialApp

from lms.people.directory import Registration

ROOT = Path(__file__).resolve().parents[3]
DIRECTORY = {
    "towns": {"KAGAMINO": {"password_sign_in": False, "break_glass": ["9001"]}},
    "oidc": [
        {
            "id": "kagamino-entra",
            "name": "鏡野町 Entra ID",
            "town": "KAGAMINO",
            "server_url": "https://login.microsoftonline.com/tenant-id/v2.0",
            "client_id": "client-1",
            "secret": "secret-1",
            "claim": "employee_id",
            "trust_mfa": True,
        }
    ],
    "ldap": [
        {"town": "KAGAMINO", "server_uri": "ldaps://dc.example.local", "user_search_base": "x"}
    ],
}
PRINT = (
    "from django.conf import settings as s; import json; print(json.dumps(["
    "s.SOCIALACCOUNT_PROVIDERS, s.AUTHENTICATION_BACKENDS, s.SHINKA_CONTENT_SECURITY_POLICY]))"
)


def _settings_with(**environment):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SHINKA_DIR"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.test", **environment)
    result = subprocess.run(
        [sys.executable, "-c", PRINT], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("how", ["text", "file"])
def test_the_directory_comes_from_the_environment(how, tmp_path):
    if how == "text":
        providers, backends, csp = _settings_with(SHINKA_DIRECTORY=json.dumps(DIRECTORY))
    else:
        path = tmp_path / "directory.json"
        path.write_text(json.dumps(DIRECTORY), encoding="utf-8")
        providers, backends, csp = _settings_with(SHINKA_DIRECTORY_FILE=str(path))
    [app] = providers["openid_connect"]["APPS"]
    assert app["provider_id"] == "kagamino-entra"
    assert (app["client_id"], app["secret"]) == ("client-1", "secret-1")
    assert app["settings"]["town"] == "KAGAMINO"
    assert app["settings"]["server_url"] == "https://login.microsoftonline.com/tenant-id/v2.0"
    assert app["settings"]["oauth_pkce_enabled"] is True
    assert backends[-1] == "lms.people.directory_ldap.TownLDAPBackend"
    # The sign-in's POST is redirected to the IdP: form-action allows exactly its origin.
    assert "form-action 'self' https://login.microsoftonline.com;" in csp + ";"


def test_without_a_directory_nothing_is_registered():
    providers, backends, csp = _settings_with()
    # With the saml extra installed its provider is configured, with no IdP either.
    assert all(config["APPS"] == [] for config in providers.values())
    assert set(providers) <= {"openid_connect", "saml"} and "openid_connect" in providers
    assert backends == ["lms.people.accounts.StaffAuthenticationBackend"]
    assert csp.endswith("form-action 'self'")


def test_a_directory_that_is_not_json_stops_the_start():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.test", SHINKA_DIRECTORY="{not json")
    result = subprocess.run(
        [sys.executable, "-c", PRINT], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SHINKA_DIRECTORY is not valid JSON" in result.stderr


def _registration(**conf):
    return Registration.of(SocialApp(provider="openid_connect", name="idp", settings=conf))


@pytest.mark.parametrize(
    ("conf", "id_token", "asserted"),
    [
        ({}, {"amr": ["pwd"]}, False),
        ({}, {"amr": ["pwd", "mfa"]}, True),
        ({}, {"amr": ["otp"]}, True),
        ({}, {"amr": "hwk"}, True),
        ({}, {}, False),
        ({"mfa_amr": ["mfa"]}, {"amr": ["otp"]}, False),
        ({}, {"acr": "http://schemas.microsoft.com/claims/multipleauthn"}, False),
        (
            {"mfa_acr": ["http://schemas.microsoft.com/claims/multipleauthn"]},
            {"acr": "http://schemas.microsoft.com/claims/multipleauthn"},
            True,
        ),
        ({"mfa_acr": ["urn:mfa"]}, {"acr": "urn:password"}, False),
    ],
)
def test_what_counts_as_mfa_asserted_by_the_idp(conf, id_token, asserted):
    assert _registration(**conf).asserts_mfa(id_token) is asserted


def test_a_registration_matches_by_staff_number_unless_told_otherwise():
    default = _registration(town="T")
    assert (default.match, default.claim, default.trust_mfa) == (
        "staff_number",
        "employee_id",
        False,
    )
    by_mail = _registration(town="T", match="email")
    assert (by_mail.match, by_mail.claim) == ("email", "email")
