from django.contrib import messages
from django.http import HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from bookings.catalog_views import category_cards
from bookings.models import Service
from homecure.base.audit import client_ip
from homecure.base.public_cache import public_page
from homecure.base.services import contact_create
from homecure.site.forms import ContactForm

# The home page shows this many active services of each category, so every kind of care appears.
HOME_SERVICES_PER_CATEGORY = 2


@public_page()
def home(request):
    categories = category_cards()
    # One query for the whole (short) catalog rather than one per category.
    by_category = {}
    for service in Service.objects.filter(is_active=True).order_by("name"):
        by_category.setdefault(service.category, []).append(service)
    services = [s for c in categories for s in by_category.get(c["value"], [])[:HOME_SERVICES_PER_CATEGORY]]
    return render(request, "home.html", {"categories": categories, "services": services})


def contact(request):
    ip_address = client_ip(request)
    if request.method == "POST":
        form = ContactForm(request.POST, ip_address=ip_address)
        if form.is_valid():
            contact_create(**form.cleaned_data, ip_address=ip_address)
            messages.success(request, _("Thank you, your message was sent. We answer within one working day."))
            return redirect("contact")
    else:
        initial = {}
        if request.user.is_authenticated:
            initial = {"name": request.user.get_full_name(), "email": request.user.email, "phone": request.user.phone}
        form = ContactForm(initial=initial, ip_address=ip_address)
    return render(request, "contact.html", {"form": form})


@requires_csrf_token
def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


@requires_csrf_token
def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # Rendered without the request: the failure may lie in the middleware, the session or the
    # database that a request context would touch.
    return HttpResponseServerError(loader.get_template("500.html").render())
