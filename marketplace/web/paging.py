"""Pages of the website's lists: ``?page=`` and a visitor-chosen ``?page_size=`` (at most MAX_PAGE_SIZE)."""
from django.core.paginator import Paginator

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def page_size(request, default: int = PAGE_SIZE) -> int:
    """The page size asked for, kept between 1 and MAX_PAGE_SIZE; ``default`` when it is no number."""
    try:
        size = int(request.GET.get("page_size", default))
    except ValueError:
        size = default
    return max(1, min(size, MAX_PAGE_SIZE))


def page_of(request, queryset, *, paginator_class=Paginator, **paginator_kwargs):
    """The page the request asks for (the last one past the end, the first one for junk)."""
    return paginator_class(queryset, page_size(request), **paginator_kwargs).get_page(request.GET.get("page"))
