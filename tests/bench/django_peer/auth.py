"""A static bearer token: the trivial check that stands in for the project's own authentication.

django-scim2's SCIMAuthCheckMiddleware, after this one, answers 401 unless `request.user` is
authenticated.
"""

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse

from tests.bench.django_peer import TOKEN


class _Client:
    is_authenticated = True
    is_anonymous = False


class StaticTokenMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        authorized = request.headers.get("Authorization") == f"Bearer {TOKEN}"
        request.user = _Client() if authorized else AnonymousUser()  # type: ignore[assignment]
        return self.get_response(request)
