"""Lists: server-side paging, sorting and search from the query string.

A list page declares which columns it can sort by (the service owns the mapping from those
names to SQL); :func:`list_query` reads ``q``, ``sort``, ``dir`` and ``page`` and refuses
nothing — an unknown sort column falls back to the default, a page beyond the end shows the
last one — so a hand-edited link never breaks. No page loads more than ``PAGE_SIZE`` rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request

from landkontor.common.pagination import PageParams

PAGE_SIZE = 50
MAX_SEARCH = 100


@dataclass(frozen=True)
class ListQuery:
    search: str
    sort: str
    descending: bool
    page: int
    filters: dict[str, str]

    @property
    def params(self) -> PageParams:
        return PageParams(limit=PAGE_SIZE, offset=(self.page - 1) * PAGE_SIZE)

    def link(self, **changes: object) -> str:
        """The query string of this list with ``changes`` applied (empty values dropped)."""
        values: dict[str, object] = {
            "q": self.search,
            **self.filters,
            "sort": self.sort,
            "dir": "desc" if self.descending else "asc",
            "page": self.page,
        }
        values.update(changes)
        return "?" + urlencode({k: v for k, v in values.items() if v not in ("", None)})

    def sort_link(self, column: str) -> str:
        """Sort by ``column``; a second click on the sorted column turns the order round."""
        descending = column == self.sort and not self.descending
        return self.link(sort=column, dir="desc" if descending else "asc", page=1)

    def sort_mark(self, column: str) -> str:
        if column != self.sort:
            return ""
        return "▼" if self.descending else "▲"

    def aria_sort(self, column: str) -> str:
        if column != self.sort:
            return "none"
        return "descending" if self.descending else "ascending"


def _clean(text: str | None, limit: int = MAX_SEARCH) -> str:
    return (text or "").replace("\x00", "").strip()[:limit]


def list_query(
    request: Request, *, sorts: tuple[str, ...], default_sort: str, filters: tuple[str, ...] = ()
) -> ListQuery:
    """Read the list parameters of ``request``; ``sorts`` are the sortable column names."""
    query = request.query_params
    sort = query.get("sort", default_sort)
    if sort not in sorts:
        sort = default_sort
    try:
        page = max(1, min(int(query.get("page", "1")), 1_000_000))
    except ValueError:
        page = 1
    return ListQuery(
        search=_clean(query.get("q")),
        sort=sort,
        descending=query.get("dir") == "desc",
        page=page,
        filters={name: _clean(query.get(name), 200) for name in filters},
    )


@dataclass(frozen=True)
class Pager:
    query: ListQuery
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def first_row(self) -> int:
        return 0 if self.total == 0 else (self.query.page - 1) * PAGE_SIZE + 1

    @property
    def last_row(self) -> int:
        return min(self.total, self.query.page * PAGE_SIZE)

    @property
    def previous(self) -> str | None:
        return self.query.link(page=self.query.page - 1) if self.query.page > 1 else None

    @property
    def next(self) -> str | None:
        return self.query.link(page=self.query.page + 1) if self.query.page < self.pages else None


def beyond_last_page(query: ListQuery, total: int) -> bool:
    """True when the requested page lies past the end (the page then shows the last one)."""
    return total > 0 and query.params.offset >= total
