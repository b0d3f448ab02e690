"""Fiscal years and dates as the town writes them (和暦 or 西暦, ``Organization.era_display``).

The conversion is ``courses/fiscal.py`` (its one home); these filters only pick the town's
setting, so a template writes ``{{ day|town_date:organization }}`` and
``{{ year|town_fiscal_year:organization }}`` (``town_datetime`` for a moment, in Japan
time). Without an organisation the default (和暦) applies. ``town_date_both`` puts the
西暦 beside the 和暦, for pages where a date is entered or compared with a form.
"""

from django import template

from courses.fiscal import era_of
from courses.fiscal import town_date as _town_date
from courses.fiscal import town_datetime as _town_datetime
from courses.fiscal import town_fiscal_year as _town_fiscal_year

register = template.Library()


@register.filter
def town_date(value, organization=None) -> str:
    if not value:
        return ""
    return _town_date(value, era_of(organization))


@register.filter
def town_date_both(value, organization=None) -> str:
    if not value:
        return ""
    return _town_date(value, era_of(organization), both=True)


@register.filter
def town_datetime(value, organization=None) -> str:
    """A moment (aware) in Japan time, its date as the town writes it: 令和8年9月30日 14:05."""
    if not value:
        return ""
    return _town_datetime(value, era_of(organization))


@register.filter
def town_fiscal_year(value, organization=None) -> str:
    if value in (None, ""):
        return ""
    return _town_fiscal_year(int(value), era_of(organization))
