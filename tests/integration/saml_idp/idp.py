"""A small SAML 2.0 identity provider for the tests, on pysaml2's ``saml2.server.Server``.

Run by its own interpreter (``tests/integration/saml_idp/.venv``, made by ``make e2e-deps``:
pysaml2 pins cryptography through pyOpenSSL, so it stays out of the project's venv)::

    .venv/bin/python idp.py config.json

``config.json``: ``entity_id`` (the IdP's), ``key_file``/``cert_file`` (its signing key),
``rogue_key_file``/``rogue_cert_file`` (a key nobody trusts, for accounts that sign with it),
``accounts`` (login → ``password``, ``attributes``, ``name_id``, ``signing`` and
``authn_context``). It listens on a free port of 127.0.0.1 and prints ``listening <base URL>``.

- ``GET /metadata``: the IdP's metadata (entity ID, signing certificate, SSO endpoint).
- ``POST /sp-metadata``: a service provider's metadata (Shinka's, as served by it), trusted
  from then on (a town registering Shinka at its IdP).
- ``GET /sso/redirect?SAMLRequest=…&RelayState=…`` (HTTP-Redirect binding): the login form.
- ``POST /login``: checks the password; answers the HTTP-POST binding's self-submitting form
  with a signed ``<samlp:Response>`` to the request's AssertionConsumerServiceURL.

``signing`` of an account: ``both`` (response and assertion, the default), ``assertion``
(only the assertion), ``none`` (unsigned) or ``rogue`` (both, with the rogue key).
"""

import base64
import html
import json
import secrets
import sys
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

from saml2 import BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

PASSWORD_CONTEXT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"


def idp_config(conf: dict, base: str, *, rogue: bool = False) -> IdPConfig:
    key = "rogue_" if rogue else ""
    config = IdPConfig()
    config.load(
        {
            "entityid": conf["entity_id"],
            "service": {
                "idp": {
                    "endpoints": {
                        "single_sign_on_service": [(f"{base}/sso/redirect", BINDING_HTTP_REDIRECT)]
                    },
                    "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                    "want_authn_requests_signed": False,
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": 5},
                            "attribute_restrictions": None,
                            "name_form": NAME_FORMAT_URI,
                        }
                    },
                }
            },
            "key_file": conf[f"{key}key_file"],
            "cert_file": conf[f"{key}cert_file"],
            "xmlsec_binary": conf.get("xmlsec_binary", "/usr/bin/xmlsec1"),
            "allow_unknown_attributes": True,
            "metadata": {},
        }
    )
    return config


class IdP:
    def __init__(self, conf: dict, base: str):
        self.conf = conf
        self.server = Server(config=idp_config(conf, base))
        self.rogue = Server(config=idp_config(conf, base, rogue=True))
        self.pending: dict[str, tuple] = {}  # form key → (request, relay state)

    def metadata(self) -> bytes:
        # create_metadata_string returns bytes already.
        return create_metadata_string(None, config=self.server.config, valid=24)

    def login_form(self, query: dict) -> str:
        saml_request = query["SAMLRequest"][0]
        relay_state = query.get("RelayState", [""])[0]
        request = self.server.parse_authn_request(saml_request, BINDING_HTTP_REDIRECT).message
        key = secrets.token_urlsafe(16)
        self.pending[key] = (request, relay_state)
        return (
            "<!doctype html><title>Sign in</title><h1>Sign in</h1>"
            f'<form method="post" action="/login"><input type="hidden" name="key" value="{key}">'
            '<input name="login"><input name="password" type="password">'
            "<button>Sign in</button></form>"
        )

    def answer(self, form: dict) -> tuple[str, str]:
        request, relay_state = self.pending.pop(form["key"][0])
        account = self.conf["accounts"].get(form["login"][0])
        if account is None or account["password"] != form["password"][0]:
            return "403 Forbidden", "<p>wrong login or password</p>"
        signing = account.get("signing", "both")
        server = self.rogue if signing == "rogue" else self.server
        response = server.create_authn_response(
            {name: list(values) for name, values in account["attributes"].items()},
            in_response_to=request.id,
            destination=request.assertion_consumer_service_url,
            sp_entity_id=request.issuer.text,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=account["name_id"]),
            authn={"class_ref": account.get("authn_context", PASSWORD_CONTEXT)},
            sign_response=signing in {"both", "rogue"},
            sign_assertion=signing in {"both", "assertion", "rogue"},
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
        encoded = base64.b64encode(str(response).encode()).decode()
        return "200 OK", (
            "<!doctype html><title>Signed in</title>"
            f'<form method="post" action="{html.escape(request.assertion_consumer_service_url)}">'
            f'<input type="hidden" name="SAMLResponse" value="{encoded}">'
            f'<input type="hidden" name="RelayState" value="{html.escape(relay_state)}">'
            "<button>Continue</button></form>"
        )

    def __call__(self, environ, start_response):
        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        try:
            if path == "/metadata":
                start_response("200 OK", [("Content-Type", "application/samlmetadata+xml")])
                return [self.metadata()]
            if path == "/sp-metadata" and method == "POST":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                xml = environ["wsgi.input"].read(length).decode()
                for server in (self.server, self.rogue):
                    server.metadata.load("inline", xml)
                body, status = "<p>registered</p>", "200 OK"
            elif path == "/sso/redirect" and method == "GET":
                body, status = self.login_form(parse_qs(environ.get("QUERY_STRING", ""))), "200 OK"
            elif path == "/login" and method == "POST":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                status, body = self.answer(parse_qs(environ["wsgi.input"].read(length).decode()))
            else:
                status, body = "404 Not Found", "<p>not found</p>"
        except Exception as error:  # a broken request is the test's to see, not a crash
            status, body = "400 Bad Request", f"<pre>{html.escape(repr(error))}</pre>"
        start_response(status, [("Content-Type", "text/html; charset=utf-8")])
        return [body.encode()]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        sys.stderr.write(format % args + "\n")


def main() -> None:
    conf = json.loads(open(sys.argv[1], encoding="utf-8").read())
    httpd = make_server("127.0.0.1", 0, lambda e, s: app(e, s), handler_class=QuietHandler)
    base = f"http://127.0.0.1:{httpd.server_port}"
    app = IdP(conf, base)
    print(f"listening {base}", flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
