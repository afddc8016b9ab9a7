"""Console errors as pages: a 404 looks like a page that does not exist, a refused action says
why, in HTML, never the JSON the API answers."""

from collections.abc import Awaitable, Callable

from aiohttp import web

from gateway.console.render import render
from gateway.errors import STATUS_BY_DOMAIN_ERROR
from seats import errors

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_TITLES = {
    400: "Check what you sent",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed",
    409: "That cannot be done now",
    410: "Link no longer valid",
    422: "Check what you entered",
    429: "Too many attempts",
}


@web.middleware
async def html_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except errors.DomainError as error:
        status = next(
            (s for kind, s in STATUS_BY_DOMAIN_ERROR.items() if isinstance(error, kind)), 400
        )
        return error_page(request, status, error.detail)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        detail = exc.reason if exc.status != 404 else "There is no such page in this console."
        response = error_page(request, exc.status, detail)
        response.headers.update({k: v for k, v in exc.headers.items() if k == "Retry-After"})
        return response


def error_page(request: web.Request, status: int, detail: str) -> web.Response:
    return render(
        "error.html",
        request,
        {"title": _TITLES.get(status, "Something went wrong"), "detail": detail},
        status=status,
    )
