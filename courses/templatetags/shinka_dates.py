"""Fiscal years and dates as the town writes them (和暦 or 西暦, ``Organization.era_display``).

The conversion is ``courses/fiscal.py`` (its one home); these filters only pick the town's
setting, so a template writes ``{{ day|town_date:organization }}`` and
``{{ year|town_fiscal_year:organization }}``. Without an organisation the default (和暦)
applies. ``town_date_both`` puts the 西暦 beside the 和暦, for pages where a date is
entered or compared with a form.
"""

import datetime

from django import template
from django.utils import timezone

from courses.fiscal import (
    JAPANESE_ERA,
)
from courses.fiscal import (
    town_date as _town_date,
)
from courses.fiscal import (
    town_fiscal_year as _town_fiscal_year,
)

register = template.Library()


def _era(organization) -> str:
    return getattr(organization, "era_display", None) or JAPANESE_ERA


def _day(value):
    if isinstance(value, datetime.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


@register.filter
def town_date(value, organization=None) -> str:
    if not value:
        return ""
    return _town_date(_day(value), _era(organization))


@register.filter
def town_date_both(value, organization=None) -> str:
    if not value:
        return ""
    return _town_date(_day(value), _era(organization), both=True)


@register.filter
def town_fiscal_year(value, organization=None) -> str:
    if value in (None, ""):
        return ""
    return _town_fiscal_year(int(value), _era(organization))
