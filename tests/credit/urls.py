"""Test URLconf: the project's routes plus credit's, for as long as config.urls does not include them yet."""
from django.urls import include, path
from django.urls.exceptions import Resolver404

from config import urls as project

urlpatterns = list(project.urlpatterns)


def _has(path_: str) -> bool:
    from django.urls import get_resolver

    try:
        get_resolver(project).resolve(path_)
    except Resolver404:
        return False
    return True


if not _has("/api/v1/credit/line/"):
    urlpatterns.insert(0, path("api/v1/", include("credit.api.urls")))
if not _has("/credit/"):
    urlpatterns.insert(0, path("", include("credit.urls")))
handler404 = project.handler404
handler500 = project.handler500
