"""Every URL pattern the project serves, read from the resolver, and how to turn one into a URL."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

_ROUTE_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
_REGEX_PARAM = re.compile(r"\(\?P<(\w+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    """One URL pattern. `key` is its name with namespaces ("bookings:detail"), or for an unnamed
    pattern its namespace and full route ("admin:admin/bookings/booking/<path:object_id>/")."""

    key: str
    route: str
    params: tuple[str, ...]
    named: bool

    def url(self, values: dict[str, object]) -> str:
        if self.named:
            return reverse(self.key, kwargs=values)
        path = _REGEX_PARAM.sub(lambda m: str(values[m.group(1)]), self.route)
        path = _ROUTE_PARAM.sub(lambda m: str(values[m.group(1)]), path)
        return "/" + path.replace("^", "").replace("$", "")


def _params(pattern) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters)
    if isinstance(pattern, RegexPattern):
        return list(pattern.regex.groupindex)
    return []


def all_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(patterns, prefix: str, namespace: str, params: list[str]):
        for entry in patterns:
            here = prefix + str(entry.pattern)
            found = params + _params(entry.pattern)
            if isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry.url_patterns, here, inner, found)
            elif isinstance(entry, URLPattern):
                if entry.name:
                    key = f"{namespace}:{entry.name}" if namespace else entry.name
                else:
                    key = f"{namespace}:{here}" if namespace else here
                routes.append(Route(key=key, route=here, params=tuple(found), named=bool(entry.name)))

    walk(get_resolver().url_patterns, "", "", [])
    return routes
