"""django-scim2's views under /scim/v2/, and an unauthenticated /healthz for start-up."""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("scim/v2/", include("django_scim.urls")),
    path("healthz", health),
]
