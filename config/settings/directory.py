"""The towns' directories (docs/sso.md): ``SHINKA_DIRECTORY`` into allauth's app settings.

``SHINKA_DIRECTORY`` (JSON, from the environment)::

    {"towns": {"<Organization.code>": {"password_sign_in": false, "break_glass": ["9001"]}},
     "oidc": [{"id": "kagamino-entra", "name": "鏡野町 Entra ID", "town": "<Organization.code>",
               "server_url": "https://login.microsoftonline.com/<tenant>/v2.0",
               "client_id": "…", "secret": "…",
               "match": "staff_number" | "email", "claim": "employee_id",
               "trust_mfa": true, "mfa_amr": ["mfa", …], "mfa_acr": […],
               "create_accounts": false}],
     "saml": [{"id": "kagamino-entra-saml", "name": "…", "town": "<Organization.code>",
               "entity_id": "<the IdP's entity ID>",
               "metadata_file": "/etc/shinka/saml/kagamino.xml" | "metadata_xml": "<…>"
               | "sso_url": "…", "x509cert": "…" | "metadata_url": "https://…",
               "attribute": "<SAML attribute with the staff number or e-mail>",
               "match": "staff_number" | "email", "trust_mfa": true,
               "mfa_contexts": […], "create_accounts": false}]}

SAML entries need the ``saml`` extra (python3-saml, xmlsec); ``saml_installed()`` says whether
it is there, and the settings add allauth's SAML app only then.
"""

import importlib.util

from django.core.exceptions import ImproperlyConfigured

# The provider class of allauth's SAML apps: allauth's, with the town's rules
# (lms/people/directory_saml.py).
SAML_PROVIDER_CLASS = "lms.people.directory_saml.TownSAMLProvider"
# AuthnContextClassRef values (or values of ``mfa_attribute``) that mean more than a password:
# Entra ID's and AD FS's multi-factor claim, and SAML 2.0's own two-factor classes.
DEFAULT_SAML_MFA_CONTEXTS = (
    "http://schemas.microsoft.com/claims/multipleauthn",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorUnregistered",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI",
)
# Entra ID (and AD FS) list the methods used in this attribute.
DEFAULT_SAML_MFA_ATTRIBUTE = "http://schemas.microsoft.com/claims/authnmethodsreferences"


def saml_installed() -> bool:
    """Whether the ``saml`` extra (python3-saml and its xmlsec binding) is installed."""
    return all(importlib.util.find_spec(name) for name in ("xmlsec", "onelogin"))


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
    return sorted(origins | set(saml_form_action_origins(directory)))


def _idp_from_metadata(entry: dict) -> dict:
    """The IdP's entity ID, SSO/SLO URLs and signing certificate from its metadata XML (a file,
    for the closed network, or inline), in allauth's inline form."""
    from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

    if entry.get("metadata_file"):
        with open(entry["metadata_file"], encoding="utf-8") as file:
            xml = file.read()
    else:
        xml = entry["metadata_xml"]
    try:
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(xml, entity_id=entry.get("entity_id"))
    except Exception as error:  # lxml's or the parser's: say which entry
        raise ImproperlyConfigured(f"SAML IdP {entry.get('id')}: bad metadata: {error}") from error
    idp = parsed.get("idp") or {}
    certificate = idp.get("x509cert") or (idp.get("x509certMulti") or {}).get("signing", [""])[0]
    if not idp.get("entityId") or not certificate or not idp.get("singleSignOnService"):
        raise ImproperlyConfigured(
            f"SAML IdP {entry.get('id')}: the metadata has no entity ID, signing certificate "
            "or SingleSignOnService for it"
        )
    found = {
        "entity_id": idp["entityId"],
        "x509cert": certificate,
        "sso_url": idp["singleSignOnService"]["url"],
    }
    if (idp.get("singleLogoutService") or {}).get("url"):
        found["slo_url"] = idp["singleLogoutService"]["url"]
    return found


def _saml_idp(entry: dict) -> dict:
    if entry.get("metadata_file") or entry.get("metadata_xml"):
        return _idp_from_metadata(entry)
    if entry.get("metadata_url"):
        # Fetched by allauth (requests) and cached: not possible on a closed network (LGWAN).
        return {"entity_id": entry["entity_id"], "metadata_url": entry["metadata_url"]}
    idp = {key: entry[key] for key in ("entity_id", "sso_url", "x509cert") if key in entry}
    if len(idp) != 3:
        raise ImproperlyConfigured(
            f"SAML IdP {entry.get('id')}: give metadata_file, metadata_xml, metadata_url, or "
            "entity_id with sso_url and x509cert"
        )
    if entry.get("slo_url"):
        idp["slo_url"] = entry["slo_url"]
    return idp


def saml_apps(directory: dict | None) -> list[dict]:
    """allauth ``saml`` APPS, one per registered SAML IdP of a town.

    The app's ``provider_id`` is the IdP's entity ID and its ``client_id`` the entry's ``id``
    (the slug in ``/accounts/saml/<id>/…``). Signed responses and signed assertions are
    required, always; strict checks (audience, destination, validity, InResponseTo); sign-ins
    the IdP starts on its own (without our request) are refused.
    """
    entries = (directory or {}).get("saml", [])
    if entries and not saml_installed():
        raise ImproperlyConfigured(
            "SHINKA_DIRECTORY has SAML IdPs but the saml extra is not installed: "
            "pip install 'shinka[saml]' (python3-saml, xmlsec)"
        )
    apps = []
    for entry in entries:
        idp = _saml_idp(entry)
        match = entry.get("match", "staff_number")
        default_attribute = "email" if match == "email" else "employee_id"
        optional = {}
        if entry.get("sp_entity_id"):
            optional["sp"] = {"entity_id": entry["sp_entity_id"]}
        if entry.get("attribute_mapping"):
            optional["attribute_mapping"] = entry["attribute_mapping"]
        apps.append(
            {
                "provider_id": idp["entity_id"],
                "name": entry.get("name") or entry["id"],
                "client_id": entry["id"],
                "settings": {
                    "town": entry["town"],
                    "match": match,
                    "claim": entry.get("attribute") or default_attribute,
                    "trust_mfa": bool(entry.get("trust_mfa", False)),
                    "mfa_acr": list(entry.get("mfa_contexts", DEFAULT_SAML_MFA_CONTEXTS)),
                    "mfa_attribute": entry.get("mfa_attribute", DEFAULT_SAML_MFA_ATTRIBUTE),
                    "create_accounts": bool(entry.get("create_accounts", False)),
                    "idp": idp,
                    **optional,
                    "advanced": {
                        "strict": True,
                        "want_assertion_signed": True,
                        "want_message_signed": True,
                        "reject_idp_initiated_sso": True,
                        "reject_deprecated_algorithm": True,
                        "allow_single_label_domains": bool(
                            entry.get("allow_single_label_domains", False)
                        ),
                    },
                },
            }
        )
    return apps


def saml_form_action_origins(directory: dict | None) -> list[str]:
    from urllib.parse import urlsplit

    origins = set()
    for app in saml_apps(directory) if saml_installed() else []:
        for url in [app["settings"]["idp"].get("sso_url", "")]:
            parts = urlsplit(url)
            if parts.scheme in {"http", "https"} and parts.netloc:
                origins.add(f"{parts.scheme}://{parts.netloc}".lower())
    return sorted(origins)


def socialaccount_providers(directory: dict | None) -> dict:
    providers = {"openid_connect": {"APPS": oidc_apps(directory)}}
    if saml_installed():
        providers["saml"] = {"provider_class": SAML_PROVIDER_CLASS, "APPS": saml_apps(directory)}
    else:
        saml_apps(directory)  # refuses SAML entries without the extra
    return providers
