"""Signing in with the town's Active Directory / LDAP password (django-auth-ldap).

For towns without federation (docs/sso.md). A town registers its directory in
``SHINKA_DIRECTORY["ldap"]``; the sign-in form's login (an account name such as
``sAMAccountName``, or the staff number, as the town's search filter says) and password are
checked by a bind to the town's directory, in the town of the sign-in (``sign_in_town``: its
host, or 「所属団体」). The person is then the one on HR's roster whose staff number (or
e-mail) is the directory's attribute (``employeeID``, ``mail``, …): the same rules as an
OpenID Connect sign-in (``lms/people/directory.py``): nobody off the roster, nobody
deactivated, never a role from the directory, never an account made.
"""

from __future__ import annotations

import ldap
from django_auth_ldap.backend import LDAPBackend
from django_auth_ldap.config import LDAPSearch, LDAPSettings

from lms.audit import audit_record
from lms.models import AuditEvent, Organization, User
from lms.models.people import normalize_staff_number
from lms.people.directory import MATCH_EMAIL, town_directory_config

# The attribute a successful LDAP sign-in leaves on the user for the audit row (lms.signals).
IDP_ATTRIBUTE = "shinka_directory_idp"
# No django setting is read for the towns' LDAP (the prefix names none): each town's comes
# from SHINKA_DIRECTORY.
_NO_SETTINGS_PREFIX = "SHINKA_LDAP_TOWN_ONLY_"


def ldap_settings(entry: dict) -> LDAPSettings:
    """django-auth-ldap's settings for one town's directory (``SHINKA_DIRECTORY["ldap"][i]``)."""
    options = {ldap.OPT_REFERRALS: 0, ldap.OPT_NETWORK_TIMEOUT: entry.get("timeout", 5)}
    if entry.get("ca_file"):
        options[ldap.OPT_X_TLS_CACERTFILE] = entry["ca_file"]
        options[ldap.OPT_X_TLS_NEWCTX] = 0
    if entry.get("tls_require_cert", True) is False:
        options[ldap.OPT_X_TLS_REQUIRE_CERT] = ldap.OPT_X_TLS_NEVER
        options[ldap.OPT_X_TLS_NEWCTX] = 0
    return LDAPSettings(
        _NO_SETTINGS_PREFIX,
        {
            "SERVER_URI": entry["server_uri"],
            "START_TLS": bool(entry.get("start_tls", False)),
            "BIND_DN": entry.get("bind_dn", ""),
            "BIND_PASSWORD": entry.get("bind_password", ""),
            "USER_SEARCH": LDAPSearch(
                entry["user_search_base"],
                ldap.SCOPE_SUBTREE,
                entry.get("user_filter", "(sAMAccountName=%(user)s)"),
            ),
            "CONNECTION_OPTIONS": options,
            # The roster owns every field, and the roles are Shinka's.
            "ALWAYS_UPDATE_USER": False,
            "NO_NEW_USERS": True,
            "MIRROR_GROUPS": None,
            "USER_ATTR_MAP": {},
            "USER_FLAGS_BY_GROUP": {},
            "FIND_GROUP_PERMS": False,
        },
    )


class TownLDAPBackend(LDAPBackend):
    """A bind to the directory of the town of the sign-in; the roster names the person."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        from lms.people.accounts import sign_in_town

        if not username or not password or "@" in username:
            return None
        town_known, town_id = sign_in_town(request, kwargs)
        if town_known:
            town = Organization.objects.filter(pk=town_id).first() if town_id else None
        else:  # one town on the deployment (or none): its directory, if it registered one
            candidates = list(Organization.objects.order_by("pk")[:2])
            town = candidates[0] if len(candidates) == 1 else None
        entry = town_directory_config(town.code, "ldap") if town is not None else None
        if entry is None:
            return None
        self._town, self._entry, self._request = town, entry, request
        self.settings = ldap_settings(entry)
        user = super().authenticate(request, username=username, password=password)
        if user is not None:
            setattr(user, IDP_ATTRIBUTE, entry.get("name") or entry["server_uri"])
        return user

    def get_user(self, user_id):
        # The session's account; nothing is asked of the directory after sign-in.
        return User.objects.filter(pk=user_id).first()

    def get_group_permissions(self, user, obj=None):
        return set()  # permissions come from Shinka's roles (StaffAuthenticationBackend)

    def get_or_build_user(self, username, ldap_user):
        entry, town = self._entry, self._town
        name = entry.get("name") or entry["server_uri"]
        attribute = entry.get("attribute", "employeeID")
        values = ldap_user.attrs.get(attribute.lower()) or ldap_user.attrs.get(attribute) or []
        identifier = str(values[0]).strip() if values else ""
        people = User.objects.filter(organization=town)
        if not identifier:
            people = people.none()
        elif entry.get("match") == MATCH_EMAIL:
            people = people.filter(email__iexact=identifier)
        else:
            people = people.filter(staff_number__iexact=normalize_staff_number(identifier))
        found = list(people[:2])
        person = found[0] if len(found) == 1 else None
        reason = "not_in_roster" if person is None else "" if person.is_active else "inactive"
        if reason:
            audit_record(
                request=self._request,
                action=AuditEvent.Action.LOGIN_FAILED,
                subject=person,
                login=username,
                idp=name,
                reason=reason,
                directory_value=identifier,
            )
            raise ldap_user.AuthenticationFailed(f"{reason}: {identifier!r}")
        return person, False
