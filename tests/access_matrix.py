"""The machinery of the access matrix (tests/test_access_matrix.py): routes from the URL
resolver, the table lookup, URLs filled with objects, outcomes read from responses.

The expectations themselves are data, in tests/access_table.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from tests import access_table as table

# ---------------------------------------------------------------------------------------
# Routes


@dataclass(frozen=True)
class Route:
    """One URL pattern of the site, with its namespaces joined (``ns:name``)."""

    name: str | None
    pattern: str  # the full route or regex, prefixes included
    named_params: tuple[str, ...]
    positional: int  # unnamed regex groups (Wagtail's page path)

    @property
    def key(self) -> str:
        """How the table names it: the route name, or the full pattern when unnamed."""
        return self.name or self.pattern

    @property
    def params(self) -> tuple[str | int, ...]:
        return (*self.named_params, *range(self.positional))


def _walk(resolver, prefix: str, namespaces: tuple[str, ...]):
    for pattern in resolver.url_patterns:
        full = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespaces + ((pattern.namespace,) if pattern.namespace else ())
            yield from _walk(pattern, full, inner)
        elif isinstance(pattern, URLPattern):
            regex = pattern.pattern.regex
            names = tuple(regex.groupindex)
            yield Route(
                name=":".join((*namespaces, pattern.name)) if pattern.name else None,
                pattern=full,
                named_params=names,
                positional=regex.groups - len(names) if not names else 0,
            )


def all_routes() -> list[Route]:
    """Every URL pattern the site answers, from ``django.urls.get_resolver()``: the site,
    allauth, the Wagtail admin with every viewset, the Django admin, Wagtail's pages."""
    seen, routes = set(), []
    for route in _walk(get_resolver(), "", ()):
        if (route.key, route.pattern) not in seen:
            seen.add((route.key, route.pattern))
            routes.append(route)
    return routes


def entry_for(route: Route) -> table.Entry | None:
    """The route's own entry, else the longest namespace pattern (``wagtailimages:*``) that
    covers it. Our own routes and viewsets are never matched by a pattern (see
    ``table.PATTERN_KEYS_ALLOWED``)."""
    exact = table.ENTRIES.get(route.key)
    if exact is not None:
        return exact
    if route.name is None:
        return None
    candidates = [
        key
        for key in table.PATTERN_ENTRIES
        if route.name.startswith(key.removesuffix("*"))
        and not any(route.name.startswith(ours) for ours in table.OUR_NAMESPACES)
    ]
    if not candidates:
        return None
    return table.PATTERN_ENTRIES[max(candidates, key=len)]


# ---------------------------------------------------------------------------------------
# URLs


class NoUrl(Exception):
    pass


def url_for(route: Route, entry: table.Entry, values: dict) -> str:
    """The concrete URL of ``route`` with each path argument set to ``values[param]``.

    Reversed by name (the route's own parameters select the pattern), then resolved back:
    a route whose name several patterns share must come back as the same pattern.
    """
    kwargs = {p: values[p] for p in route.named_params}
    args = [values[p] for p in range(route.positional)]
    if entry.example:
        return entry.example
    try:
        if route.name:
            url = reverse(route.name, args=args or None, kwargs=kwargs or None)
        else:
            url = _fill(route.pattern, kwargs)
    except Exception as error:  # noqa: BLE001 - reported as a mismatch with its reason
        raise NoUrl(f"cannot build a URL: {error!r}") from error
    match = resolve(urlsplit(url).path)
    if route.name and match.view_name != route.name:
        raise NoUrl(f"{url} resolves to {match.view_name}, not {route.name}")
    if entry.query:
        url += "?" + "&".join(f"{name}={values[name]}" for name in entry.query)
    return url


def _fill(pattern: str, kwargs: dict) -> str:
    """An unnamed route's URL: ``<conv:name>`` replaced by the value."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), pattern)


# ---------------------------------------------------------------------------------------
# Outcomes

OK, DENIED, REFUSED, ERROR, MFA = "ok", "denied", "refused", "error", "mfa-setup"
PERSONAL_DATA = "ok but shows the town's personal data"

ADMIN_AREAS = ("/admin/", "/django-admin/")


def outcome(
    response, path: str, *, login: str, mypage: str, admin_home: str, redirect_denies=False
) -> str:
    """What the response means:

    - ``ok``: 2xx, or a redirect that is not one of the refusals below (the feature itself:
      a head's HR dashboard sends them to their department, a finished attempt to its result);
    - ``denied``: 403, 404 (and other 4xx), a redirect to sign-in, or, from an admin address,
      a redirect to マイページ (no admin access, ``content.middleware``) or to the Wagtail
      admin's home (Wagtail's "permission denied");
    - ``refused``: 405 (a POST-only view asked with GET);
    - ``error``: 5xx; ``mfa-setup``: sent to set up two-factor (the matrix set it up).
    """
    code = response.status_code
    if code >= 500:
        return ERROR
    if code == 405:
        return REFUSED
    if 300 <= code < 400:
        target = urlsplit(response["Location"]).path
        if target.startswith((login, "/admin/login/", "/django-admin/login/")):
            return DENIED
        if target.startswith("/accounts/2fa/totp/activate"):
            return MFA
        if path.startswith(ADMIN_AREAS) and target in (mypage, admin_home) and path != target:
            return DENIED
        if redirect_denies:
            return DENIED
        return OK
    if code >= 400:
        return DENIED
    return OK


def acceptable(expected: str, got: str, status: int) -> bool:
    """``refused`` (a route not safe to GET) takes 405, 403, 404 or a redirect; never 2xx,
    never 5xx."""
    if expected == REFUSED:
        return got in (REFUSED, DENIED) or (got == OK and 300 <= status < 400)
    return got == expected
