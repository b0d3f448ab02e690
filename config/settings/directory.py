"""The towns' directories (docs/sso.md): ``SHINKA_DIRECTORY`` into allauth's app settings.

``SHINKA_DIRECTORY`` (JSON, from the environment)::

    {"towns": {"<Organization.code>": {"password_sign_in": false, "break_glass": ["9001"]}},
     "oidc": [{"id": "kagamino-entra", "name": "鏡野町 Entra ID", "town": "<Organization.code>",
               "server_url": "https://login.microsoftonline.com/<tenant>/v2.0",
               "client_id": "…", "secret": "…",
               "match": "staff_number" | "email", "claim": "employee_id",
               "trust_mfa": true, "mfa_amr": ["mfa", …], "mfa_acr": […],
               "create_accounts": false}]}
"""

# Keys of an "oidc" entry that go into the allauth app's ``settings`` unchanged.
REGISTRATION_KEYS = (
    "server_url", "town", "match", "claim", "trust_mfa", "mfa_amr", "mfa_acr",
    "create_accounts", "scope", "token_auth_method", "auth_params",
)  # fmt: skip


def oidc_apps(directory: dict | None) -> list[dict]:
    """allauth ``openid_connect`` APPS, one per registered IdP of a town."""
    apps = []
    for entry in (directory or {}).get("oidc", []):
        apps.append(
            {
                "provider_id": entry["id"],
                "name": entry.get("name") or entry["id"],
                "client_id": entry["client_id"],
                "secret": entry.get("secret", ""),
                "settings": {
                    # PKCE for every IdP; the ID token is read with the UserInfo answer.
                    "oauth_pkce_enabled": True,
                    "fetch_userinfo": entry.get("fetch_userinfo", True),
                    **{key: entry[key] for key in REGISTRATION_KEYS if key in entry},
                },
            }
        )
    return apps


def form_action_origins(directory: dict | None) -> list[str]:
    """Origins the sign-in page's 「庁内アカウントでログイン」 form may end up at: our POST
    redirects to the IdP, and browsers check form-action on that redirect too (CSP)."""
    from urllib.parse import urlsplit

    origins = set()
    for entry in (directory or {}).get("oidc", []):
        for url in [entry.get("server_url", ""), *entry.get("authorization_origins", [])]:
            parts = urlsplit(url)
            if parts.scheme in {"http", "https"} and parts.netloc:
                origins.add(f"{parts.scheme}://{parts.netloc}".lower())
    return sorted(origins)


def socialaccount_providers(directory: dict | None) -> dict:
    return {"openid_connect": {"APPS": oidc_apps(directory)}}
