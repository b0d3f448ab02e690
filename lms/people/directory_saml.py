"""Signing in through the town's directory with SAML 2.0 (allauth's SAML provider).

Needs the ``saml`` extra (python3-saml, xmlsec): this module is imported only where it is
installed (allauth loads it as ``SOCIALACCOUNT_PROVIDERS["saml"]["provider_class"]``). The
town's rules are the OpenID Connect path's (lms/people/directory.py,
``StaffSocialAccountAdapter``): the same roster match, refusals and audit rows. What is SAML's own:

- allauth's settings (config/settings/directory.py) require a signed response *and* a signed
  assertion, strict checks (audience, destination, validity) and an InResponseTo of a
  request this browser started; an IdP-initiated response is refused.
- ``TownSAMLProvider`` keeps the assertion's ``AuthnContextClassRef`` values next to the
  attributes, for the two-factor rule.
- A response that was already used, or that answers a request of another browser, finds no
  state of its own: allauth raises a bare ``PermissionDenied``; ``unstash_redirect_state``
  turns it into the Japanese refusal and an audit row (``ImmediateHttpResponse``, answered by
  allauth's middleware).
- A ``SAMLResponse`` that is not XML makes python3-saml raise lxml's syntax error, which
  allauth does not catch (a 500): ``finish_acs`` refuses it like any broken response.
- python3-saml reads ``HTTP_HOST`` itself: a request without a Host header (allowed before
  HTTP/1.1) was a KeyError (a 500); ``acs``, ``finish_acs``, ``sls`` and the sign-in's
  redirect get the host Django uses. A broken logout message is answered in Japanese.
"""

from __future__ import annotations

from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount.providers.saml import views as saml_views
from allauth.socialaccount.providers.saml.provider import SAMLProvider
from allauth.socialaccount.providers.saml.views import FinishACSView
from django.core.exceptions import PermissionDenied
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from lxml import etree

from lms.people.directory import Registration, StaffSocialAccountAdapter


def _with_host(request):
    """python3-saml reads ``HTTP_HOST`` itself: a request without a Host header (allowed
    before HTTP/1.1) gets the one Django uses, instead of a KeyError (a 500)."""
    request.META.setdefault("HTTP_HOST", request.get_host())
    return request


class TownSAMLProvider(SAMLProvider):
    """allauth's SAML provider, keeping the authentication context of the assertion."""

    # allauth finds the provider's URLs in its package: keep allauth's.
    package = "allauth.socialaccount.providers.saml"

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        return super().redirect(_with_host(request), process, next_url, data, **kwargs)

    def unstash_redirect_state(self, request, state_id):
        """The state of the sign-in this response answers. None (allauth's bare
        ``PermissionDenied``) when the response was used already or answers another browser's
        request: refused in Japanese, with an audit row."""
        try:
            return super().unstash_redirect_state(request, state_id)
        except PermissionDenied:
            StaffSocialAccountAdapter(request)._refuse(
                request,
                Registration.of(self.app),
                "replayed_or_foreign_response",
                _(
                    "This answer from your directory was already used, or it belongs to "
                    "a sign-in that was not started in this browser. Please start again "
                    "from the sign-in page."
                ),
            )

    def extract_extra_data(self, data):
        return {
            "attributes": data.get_attributes(),
            "name_id": data.get_nameid(),
            "authn_contexts": list(data.get_last_authn_contexts() or []),
        }


def saml_claims(registration: Registration, extra_data: dict) -> tuple[dict, bool]:
    """(the attributes, first value of each; whether the assertion says multi-factor)."""
    attributes = extra_data.get("attributes") or {}
    claims = {name: values[0] for name, values in attributes.items() if values}
    evidence = list(extra_data.get("authn_contexts") or [])
    evidence += attributes.get(registration.mfa_attribute, []) if registration.mfa_attribute else []
    return claims, any(str(value) in registration.mfa_acr for value in evidence)


@method_decorator(login_not_required, name="dispatch")
class TownFinishACSView(FinishACSView):
    """allauth's last step of the assertion consumer; a response that is not XML refused."""

    def dispatch(self, request, organization_slug):
        try:
            return super().dispatch(request, organization_slug)
        except etree.LxmlError as error:
            provider = self.get_provider(organization_slug)
            StaffSocialAccountAdapter(request).on_authentication_error(
                request,
                provider,
                error="invalid_response",
                exception=error,
                extra_context={
                    "saml_errors": ["invalid_xml"],
                    "saml_last_error_reason": str(error),
                },
            )
            raise  # pragma: no cover - on_authentication_error always answers


def _host_ensured(view):
    """``view`` with ``HTTP_HOST`` set (``_with_host``); keeps its csrf_exempt and the like."""
    from functools import wraps

    @wraps(view)
    def with_host(request, *args, **kwargs):
        return view(_with_host(request), *args, **kwargs)

    return with_host


# The routes config/urls.py puts before allauth's own (same names, same URLs).
acs = _host_ensured(saml_views.acs)
finish_acs = _host_ensured(TownFinishACSView.as_view())


@csrf_exempt  # as allauth's (the IdP's logout messages come from its site)
def _sls(request, organization_slug):
    """allauth's single logout, with a broken or unsigned logout message answered in Japanese
    (allauth answers python3-saml's English reason, or a 500 when it is not XML)."""
    from django.shortcuts import render

    try:
        response = saml_views.sls(request, organization_slug=organization_slug)
    except etree.LxmlError:
        response = None
    if response is not None and response.status_code != 400:
        return response
    return render(
        request,
        "account/directory_refused.html",
        {
            "message": _(
                "The sign-out message from your directory could not be accepted. Your "
                "session in しんか is unchanged; please sign out from the menu."
            )
        },
        status=400,
    )


sls = _host_ensured(_sls)
