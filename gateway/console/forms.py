"""Console form bodies are read once, up front: one that aiohttp cannot parse (not UTF-8, a
broken multipart body) is a 400 page instead of a 500 from whichever handler or check reads it
first. aiohttp keeps the parsed form, so handlers' own `request.post()` costs nothing more."""

from collections.abc import Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


@web.middleware
async def readable_forms(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method == "POST" and request.content_type in _FORM_TYPES:
        try:
            await request.post()
        except ValueError:
            # UnicodeDecodeError for a urlencoded body, ValueError for a broken multipart one.
            raise web.HTTPBadRequest(
                reason="The form could not be read. Send it again from the console's page."
            ) from None
    return await handler(request)
