"""One rate limiter for every surface: a counter per key in Django's cache.

A fixed window: the first event under a key starts a window of `window` seconds, and
events past `limit` within it are refused. The counter lives in the cache, so workers
share it when the cache is shared (CACHE_BACKEND=db) and each process counts alone with
a per-process cache (locmem).
"""

from django.core.cache import cache


def rate_allow(key: str, *, limit: int, window: int) -> bool:
    """Count one event under `key`; False once more than `limit` fell in the window."""
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # the window expired between add and incr: this event starts one
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit
