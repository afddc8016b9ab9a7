"""The fake's memory: records by kind, the clock, emitted events, rendering, expansion, lists.

Operations that change records live in `operations.py`; this module only stores, reads and
shapes them the way the API returns them.
"""

from __future__ import annotations

import contextvars
import copy
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from tests.fakes.stripe_fake import objects
from tests.fakes.stripe_fake.errors import invalid, no_such

# Set by the middleware for the duration of an API call, so events name the request that
# caused them (`event.request.id` / `idempotency_key`); dashboard-style changes leave it unset.
current_request: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "stripe_fake_request", default=None
)

_KINDS = {
    "prod": ("products", "product"),
    "price": ("prices", "price"),
    "cus": ("customers", "customer"),
    "sub": ("subscriptions", "subscription"),
    "si": ("items", "subscription item"),
    "in": ("invoices", "invoice"),
    "cs": ("sessions", "checkout.session"),
    "evt": ("events", "event"),
}
_INCLUDABLE = {("price", "tiers"), ("checkout.session", "line_items")}


class Store:
    def __init__(self, now: int | None = None) -> None:
        self.now = int(time.time()) if now is None else now
        self.products: dict[str, dict[str, Any]] = {}
        self.prices: dict[str, dict[str, Any]] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.items: dict[str, dict[str, Any]] = {}
        self.invoices: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.events: dict[str, dict[str, Any]] = {}
        # Every proration Stripe would compute: item, quantities, behaviour, time.
        self.prorations: list[dict[str, Any]] = []
        self.on_event: list[Callable[[dict[str, Any]], None]] = []

    # -- lookup -------------------------------------------------------------------------------

    def get(self, kind: str, object_id: str, *, param: str | None = None) -> dict[str, Any]:
        record = getattr(self, kind).get(object_id)
        if record is None:
            label = next(label for store, label in _KINDS.values() if store == kind)
            raise no_such(label, object_id, param=param)
        return record

    def items_of(self, subscription_id: str) -> list[dict[str, Any]]:
        return [i for i in self.items.values() if i["subscription"] == subscription_id]

    # -- events -------------------------------------------------------------------------------

    def emit(
        self, type: str, obj: dict[str, Any], previous: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        request = current_request.get() or {"id": None, "idempotency_key": None}
        evt = objects.event(type=type, obj=obj, previous=previous, request=request, now=self.now)
        self.events[evt["id"]] = evt
        for listener in self.on_event:
            listener(evt)
        return evt

    # -- rendering ----------------------------------------------------------------------------

    def render(self, record: dict[str, Any]) -> dict[str, Any]:
        """A deep copy in wire shape (includable fields left out, nested objects assembled)."""
        kind = record["object"]
        doc = {k: copy.deepcopy(v) for k, v in record.items() if not k.startswith("_")}
        if kind == "price":
            doc.pop("tiers")
        elif kind == "checkout.session":
            doc.pop("line_items")
        elif kind == "subscription_item":
            price = self.prices[record["price"]]
            doc["price"] = self.render(price)
            doc["plan"] = objects.plan_from_price(price)
        elif kind == "subscription":
            items = [self.render(i) for i in self.items_of(record["id"])]
            doc["items"] = {
                "object": "list",
                "data": items[: objects.EMBEDDED_LIST_LIMIT],
                "has_more": len(items) > objects.EMBEDDED_LIST_LIMIT,
                "total_count": len(items),
                "url": f"/v1/subscription_items?subscription={record['id']}",
            }
        return doc

    def render_id(self, object_id: str, path: str) -> dict[str, Any]:
        prefix = "cs" if object_id.startswith("cs_") else object_id.split("_", 1)[0]
        if prefix not in _KINDS or "_" not in object_id:
            raise invalid(f"This property cannot be expanded ({path}).", param="expand")
        return self.render(self.get(_KINDS[prefix][0], object_id))

    def expand(self, doc: dict[str, Any], paths: Iterable[str]) -> dict[str, Any]:
        for path in paths:
            segments = path.split(".")
            if len(segments) > 4:
                raise invalid(
                    f"You cannot expand more than 4 levels of a property. Property: {path}",
                    param="expand",
                )
            self._expand_at(doc, segments, path)
        return doc

    def _expand_at(self, node: Any, segments: list[str], path: str) -> None:
        if isinstance(node, list):
            for entry in node:
                self._expand_at(entry, segments, path)
            return
        if not isinstance(node, dict):
            return
        head, rest = segments[0], segments[1:]
        if (node.get("object"), head) in _INCLUDABLE and head not in node:
            node[head] = self._included(node, head)
        if head not in node:
            raise invalid(f"This property cannot be expanded ({path}).", param="expand")
        if isinstance(node[head], str):
            node[head] = self.render_id(node[head], path)
        if rest:
            self._expand_at(node[head], rest, path)

    def _included(self, node: dict[str, Any], field: str) -> Any:
        if field == "tiers":
            return copy.deepcopy(self.prices[node["id"]]["tiers"])
        session = self.sessions[node["id"]]
        lines = []
        for line in session["line_items"]:
            price = self.prices[line["price"]]
            amount = objects.amount_for(price, line["quantity"])
            lines.append(
                {
                    "id": line["id"],
                    "object": "item",
                    "amount_subtotal": amount,
                    "amount_total": amount,
                    "currency": price["currency"],
                    "description": self.products[price["product"]]["name"],
                    "price": self.render(price),
                    "quantity": line["quantity"],
                }
            )
        url = f"/v1/checkout/sessions/{node['id']}/line_items"
        return list_object(lines, url=url, has_more=False)

    # -- lists and search ---------------------------------------------------------------------

    def page(
        self, records: list[dict[str, Any]], params: dict[str, Any], url: str
    ) -> dict[str, Any]:
        """Newest first, `limit` (1-100, default 10) and `starting_after` / `ending_before`."""
        ordered = list(reversed(records))
        limit = _limit(params)
        ids = [r["id"] for r in ordered]
        if after := params.get("starting_after"):
            if after not in ids:
                raise invalid(f"No such object: '{after}'", param="starting_after")
            ordered = ordered[ids.index(after) + 1 :]
        elif before := params.get("ending_before"):
            if before not in ids:
                raise invalid(f"No such object: '{before}'", param="ending_before")
            ordered = ordered[: ids.index(before)][-limit:]
        data = [self.render(r) for r in ordered[:limit]]
        return list_object(data, url=url, has_more=len(ordered) > limit)

    def search(
        self, records: list[dict[str, Any]], params: dict[str, Any], url: str, fields: set[str]
    ) -> dict[str, Any]:
        """Stripe's search query language, the part seatgate uses: `field:'value'` clauses,
        `metadata['key']:'value'`, joined by AND or by OR (not mixed); exact matches only."""
        query = params.get("query")
        if not query:
            raise invalid("Missing required param: query.", param="query")
        predicate = _parse_query(query, fields)
        matches = [r for r in reversed(records) if predicate(r)]
        offset = int(params.get("page") or 0)
        limit = _limit(params)
        window = matches[offset : offset + limit]
        has_more = len(matches) > offset + limit
        return {
            "object": "search_result",
            "data": [self.render(r) for r in window],
            "has_more": has_more,
            "next_page": str(offset + limit) if has_more else None,
            "url": url,
        }


def list_object(data: list[dict[str, Any]], *, url: str, has_more: bool) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def _limit(params: dict[str, Any]) -> int:
    raw = params.get("limit", "10")
    if not str(raw).isdigit() or not 1 <= int(raw) <= 100:
        raise invalid("Invalid limit: must be an integer between 1 and 100", param="limit")
    return int(raw)


_CLAUSE = re.compile(
    r"\s*(?:metadata\['(?P<meta>(?:[^'\\]|\\.)*)'\]|(?P<field>[a-z_]+))"
    r"\s*:\s*'(?P<value>(?:[^'\\]|\\.)*)'\s*"
)
_JOINER = re.compile(r"(AND|OR)\b", re.IGNORECASE)


def _parse_query(query: str, fields: set[str]) -> Callable[[dict[str, Any]], bool]:
    tests: list[Callable[[dict[str, Any]], bool]] = []
    joiners: set[str] = set()
    position = 0
    while True:
        clause = _CLAUSE.match(query, position)
        if clause is None:
            raise invalid(f"The query `{query}` is not valid.", param="query")
        value = re.sub(r"\\(.)", r"\1", clause["value"])
        if clause["meta"] is not None:
            key = re.sub(r"\\(.)", r"\1", clause["meta"])
            tests.append(lambda r, k=key, v=value: r.get("metadata", {}).get(k) == v)
        elif clause["field"] in fields:
            tests.append(lambda r, f=clause["field"], v=value: str(r.get(f)) == v)
        else:
            raise invalid(
                f"Field `{clause['field']}` is an unsupported search field.", param="query"
            )
        position = clause.end()
        if position == len(query):
            break
        joiner = _JOINER.match(query, position)
        if joiner is None:
            raise invalid(f"The query `{query}` is not valid.", param="query")
        joiners.add(joiner[1].upper())
        position = joiner.end()
    if len(joiners) > 1:
        raise invalid("Queries cannot mix AND and OR.", param="query")
    if joiners == {"OR"}:
        return lambda r: any(test(r) for test in tests)
    return lambda r: all(test(r) for test in tests)
