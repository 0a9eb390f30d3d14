"""The portal's two languages: Persian (default, RTL) and English.

One answer to "is Persian active?", one way to pick a localized name, and the digit
tables used to read Persian input and write Persian output.
"""

from collections.abc import Callable
from typing import TypeVar

from django.utils.translation import get_language, override

T = TypeVar("T")

#: Persian (U+06F0…) then Arabic-Indic (U+0660…) digits, each 0–9.
EASTERN_DIGITS = "۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩"
#: Input: Persian and Arabic-Indic digits (and the Arabic decimal separator) to ASCII.
PERSIAN_DIGITS = str.maketrans(EASTERN_DIGITS + "٫", "0123456789" * 2 + ".")
#: Output: ASCII digits to Persian (display, and matching text stored in Persian).
TO_PERSIAN_DIGITS = str.maketrans("0123456789", EASTERN_DIGITS[:10])


def is_persian() -> bool:
    """True while Persian is the active language (also when none is active)."""
    return (get_language() or "fa").startswith("fa")


def active_language() -> str:
    """ "fa" or "en": the portal's language code for the active translation."""
    return "fa" if is_persian() else "en"


def localized(persian: str, english: str) -> str:
    """The text for the active language; the other one when it is empty."""
    if is_persian():
        return persian or english
    return english or persian


def local_digits(text: str) -> str:
    """`text` with Persian digits when Persian is active."""
    return text.translate(TO_PERSIAN_DIGITS) if is_persian() else text


def localized_item(item: dict, prefix: str) -> str:
    """`item[prefix_fa]` or `item[prefix_en]` for the active language (catalogue JSON:
    attribute labels, value names), falling back to English, then to the item's code."""
    return (
        item.get(f"{prefix}_{active_language()}")
        or item.get(f"{prefix}_en")
        or item.get("code", "")
    )


def in_both_languages(function: Callable[[], T]) -> tuple[T, T]:
    """`function()` evaluated in Persian and then in English (texts stored in both)."""
    with override("fa"):
        persian = function()
    with override("en"):
        english = function()
    return persian, english
