"""Template context shared by every page."""

from django.utils import translation


def portal(request):
    language = translation.get_language() or "fa"
    return {
        "portal_language": language,
        "portal_direction": "rtl" if translation.get_language_bidi() else "ltr",
        "portal_other_language": "en" if language == "fa" else "fa",
    }
