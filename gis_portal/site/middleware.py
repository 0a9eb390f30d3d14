"""Language selection: Persian unless the visitor chose otherwise."""

from django.conf import settings
from django.utils import translation

SUPPORTED = {code for code, _ in settings.LANGUAGES}


class PortalLanguageMiddleware:
    """Activate the language from `?lang=`, then the language cookie, else Persian.

    Unlike Django's LocaleMiddleware this ignores Accept-Language: the city's portal
    speaks Persian first, whatever the browser was configured with. `?lang=xx` also
    sets the cookie so a shared link opens in the sender's language once.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from_query = request.GET.get("lang")
        language = from_query if from_query in SUPPORTED else None
        if language is None:
            cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
            language = cookie if cookie in SUPPORTED else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if from_query in SUPPORTED:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=365 * 24 * 3600,
                samesite="Lax",
                secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False),
            )
        response.headers.setdefault("Content-Language", language)
        patch = response.headers.get("Vary", "")
        if "Cookie" not in patch:
            response.headers["Vary"] = f"{patch}, Cookie" if patch else "Cookie"
        return response
