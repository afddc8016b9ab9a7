"""The directory client: an organization's users, one user, its groups, one group and a group's
direct members (`GET /directory/v1/orgs/{org_id}/...`). Listings are iterators that follow
`next_cursor` page by page until it is null, so a 10,000-member group is read 1,000 at a time."""

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote

from seatgate_sdk._http import Api, AsyncApi

MAX_PAGE = 1000


def _org(org_id: str, *rest: str) -> str:
    return "/directory/v1/orgs/" + "/".join(quote(part, safe="") for part in (org_id, *rest))


def _user_filters(seat_status: str | None, updated_since: datetime | str | None) -> dict[str, Any]:
    if isinstance(updated_since, datetime):
        if updated_since.tzinfo is None:
            raise ValueError("updated_since needs a timezone (the gateway refuses naive times)")
        updated_since = updated_since.isoformat()
    return {"seat_status": seat_status, "updated_since": updated_since}


class AsyncDirectoryClient(AsyncApi):
    async def _pages(self, path: str, params: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        after = None
        while True:
            page = await self._get(path, {**params, "after": after})
            for item in page["data"]:
                yield item
            after = page.get("next_cursor")
            if after is None:
                return

    def users(
        self,
        org_id: str,
        *,
        seat_status: str | None = None,
        updated_since: datetime | str | None = None,
        page_size: int = MAX_PAGE,
    ) -> AsyncIterator[dict[str, Any]]:
        """Every user of the org, oldest first (optionally one seat status, or changed since)."""
        filters = _user_filters(seat_status, updated_since)
        return self._pages(_org(org_id, "users"), {**filters, "limit": page_size})

    async def user(self, org_id: str, user_id: str) -> dict[str, Any]:
        return await self._get(_org(org_id, "users", user_id))

    def groups(self, org_id: str, *, page_size: int = MAX_PAGE) -> AsyncIterator[dict[str, Any]]:
        return self._pages(_org(org_id, "groups"), {"limit": page_size})

    async def group(self, org_id: str, group_id: str) -> dict[str, Any]:
        return await self._get(_org(org_id, "groups", group_id))

    def group_members(
        self, org_id: str, group_id: str, *, page_size: int = MAX_PAGE
    ) -> AsyncIterator[dict[str, Any]]:
        """A group's direct members: `{"type": "user", ...}` or `{"type": "group", ...}`."""
        return self._pages(_org(org_id, "groups", group_id, "members"), {"limit": page_size})


class DirectoryClient(Api):
    """The blocking twin of AsyncDirectoryClient."""

    def _pages(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        after = None
        while True:
            page = self._get(path, {**params, "after": after})
            yield from page["data"]
            after = page.get("next_cursor")
            if after is None:
                return

    def users(
        self,
        org_id: str,
        *,
        seat_status: str | None = None,
        updated_since: datetime | str | None = None,
        page_size: int = MAX_PAGE,
    ) -> Iterator[dict[str, Any]]:
        filters = _user_filters(seat_status, updated_since)
        return self._pages(_org(org_id, "users"), {**filters, "limit": page_size})

    def user(self, org_id: str, user_id: str) -> dict[str, Any]:
        return self._get(_org(org_id, "users", user_id))

    def groups(self, org_id: str, *, page_size: int = MAX_PAGE) -> Iterator[dict[str, Any]]:
        return self._pages(_org(org_id, "groups"), {"limit": page_size})

    def group(self, org_id: str, group_id: str) -> dict[str, Any]:
        return self._get(_org(org_id, "groups", group_id))

    def group_members(
        self, org_id: str, group_id: str, *, page_size: int = MAX_PAGE
    ) -> Iterator[dict[str, Any]]:
        return self._pages(_org(org_id, "groups", group_id, "members"), {"limit": page_size})
