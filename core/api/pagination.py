"""Page-number pagination with a client-chosen page size (at most 100)."""
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


class SearchPagination(Pagination):
    """The public listing search: the total count is cached per search (``CachedCountPaginator``)."""

    def paginate_queryset(self, queryset, request, view=None):
        from functools import partial

        from marketplace.selectors_catalog import CachedCountPaginator, search_count_key

        self.django_paginator_class = partial(CachedCountPaginator,
                                              cache_key=search_count_key(request.query_params))
        return super().paginate_queryset(queryset, request, view)
