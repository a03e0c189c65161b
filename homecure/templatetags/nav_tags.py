"""Which item of the main navigation the page being shown belongs to (`aria-current="page"`)."""

from django import template

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
