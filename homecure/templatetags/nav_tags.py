"""The main navigation: which item the page being shown belongs to (`aria-current="page"`), and its links."""

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()

#: The navigation item of a page, by "namespace:url_name" first, then by namespace alone. Booking a
#: visit continues "Book a visit" (the catalog), not "My bookings": the booking does not exist yet.
#: The technician's record pages and the patient's share "records": each role sees its own link;
#: writing a visit's record continues the technician's job.
NAV_ITEMS = {
    "catalog": "book",
    "bookings:new": "book",
    "bookings": "bookings",
    "records:new": "jobs",
    "records": "records",
    "portal:dashboard": "portal",
    "portal:jobs": "jobs",
    "portal:job": "jobs",
    "portal:check-in": "jobs",
    "portal:check-in-code": "jobs",
    "portal:schedule": "schedule",
    "portal:availability": "schedule",
    "portal:records": "records",
    "portal:reviews": "reviews",
    "earnings": "earnings",
    "notifications": "notifications",
    "contact": "contact",
}


@register.simple_tag(takes_context=True)
def nav_item(context) -> str:
    """The key of the navigation item to mark on this page, or "" (a page outside the navigation)."""
    match = getattr(context.get("request"), "resolver_match", None)
    if match is None:
        return ""
    namespace = match.namespace or ""
    return NAV_ITEMS.get(f"{namespace}:{match.url_name}") or NAV_ITEMS.get(namespace or match.url_name, "")


#: The links of the navigation and the footer. They are the same on every page, so they are reversed
#: once per process (per URLconf and script prefix) instead of a `{% url %}` each on every page.
SITE_LINKS = (
    "home",
    "contact",
    "catalog:list",
    "bookings:list",
    "records:list",
    "notifications:list",
    "portal:dashboard",
    "portal:jobs",
    "portal:schedule",
    "portal:records",
    "portal:reviews",
    "portal:join",
    "earnings:list",
    "admin:index",
    "accounts:login",
    "accounts:signup",
    "accounts:logout",
    "accounts:profile",
    "accounts:password_change",
)
_site_links: dict[tuple, dict[str, str]] = {}


@register.simple_tag
def site_links() -> dict[str, str]:
    """`{% site_links as links %}`: the URLs of `SITE_LINKS` by name, `:` written `_`
    (`{{ links.bookings_list }}` is `{% url 'bookings:list' %}`)."""
    key = (get_urlconf(settings.ROOT_URLCONF), get_script_prefix())
    links = _site_links.get(key)
    if links is None:
        links = _site_links[key] = {name.replace(":", "_"): reverse(name) for name in SITE_LINKS}
    return links
