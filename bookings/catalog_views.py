"""The public service catalog: what HomeCure offers, at what price, for how long."""

from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from bookings.models import Service, ServiceCategory
from homecure.base.public_cache import public_page

CATEGORY_DESCRIPTIONS = {
    ServiceCategory.NURSING: _("Wound care, injections, drips and check-ups by a registered nurse, in your own home."),
    ServiceCategory.PHYSIOTHERAPY: _(
        "Rehabilitation and pain relief sessions with a physiotherapist, without the trip to a clinic."
    ),
    ServiceCategory.LAB_TESTS: _(
        "Blood and sample collection at home by a lab technician, with results from an accredited lab."
    ),
}


def category_cards():
    """The three categories with their descriptions, in display order."""
    return [{"value": c.value, "label": c.label, "description": CATEGORY_DESCRIPTIONS[c]} for c in ServiceCategory]


@public_page(params={"category": ServiceCategory.values})
def service_list(request):
    selected = request.GET.get("category", "")
    if selected not in ServiceCategory.values:
        selected = ""
    services = Service.objects.filter(is_active=True)
    if selected:
        services = services.filter(category=selected)
    by_category = {}
    for service in services.order_by("category", "name"):
        by_category.setdefault(service.category, []).append(service)
    groups = [
        {**card, "services": by_category[card["value"]]} for card in category_cards() if card["value"] in by_category
    ]
    return render(
        request,
        "catalog/service_list.html",
        {"groups": groups, "categories": ServiceCategory.choices, "selected": selected},
    )


@public_page()
def service_detail(request, slug):
    service = get_object_or_404(Service, slug=slug, is_active=True)
    return render(
        request,
        "catalog/service_detail.html",
        {"service": service, "category_description": CATEGORY_DESCRIPTIONS[ServiceCategory(service.category)]},
    )
