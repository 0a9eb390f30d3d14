"""Template filters for the portal's two languages.

`localdigits` writes numbers in Persian digits when Persian is active; `localdate`
and `localdatetime` give Jalali dates in Persian and Gregorian in English.
"""

import datetime

import jdatetime
from django import template
from django.utils import timezone

from gis_portal.core.i18n import is_persian, local_digits

register = template.Library()


@register.filter
def localdigits(value) -> str:
    """The value as text, with Persian digits in Persian."""
    if value is None:
        return ""
    text = str(value)
    return local_digits(text)


@register.filter
def localdate(value) -> str:
    """A date (or datetime, in local time) as Jalali in Persian, ISO-like in English."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if is_persian():
        return localdigits(jdatetime.date.fromgregorian(date=value).strftime("%Y/%m/%d"))
    return value.strftime("%Y-%m-%d")


@register.filter
def localdatetime(value) -> str:
    """A datetime in local time, Jalali in Persian."""
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    if is_persian():
        jalali = jdatetime.datetime.fromgregorian(datetime=local)
        return localdigits(jalali.strftime("%Y/%m/%d %H:%M"))
    return local.strftime("%Y-%m-%d %H:%M")
