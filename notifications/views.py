"""The inbox: list, open (marks read and follows the link), mark all read, e-mail preferences.

Opening a notification is a POST: it changes state (read), and every state change is a POST with
CSRF here, so a prefetching browser or another site cannot mark someone's notifications read.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from homecure.base.page_cache import keyed_page
from homecure.base.system_settings import get_setting
from notifications import selectors, services
from notifications.forms import EmailPreferencesForm

PAGE_SIZE = 20


@never_cache
@login_required
@keyed_page(lambda request: selectors.inbox_sources(request.user))
def inbox(request):
    page = Paginator(selectors.notifications_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page_obj": page})


@require_POST
@login_required
def open_notification(request, pk):
    notification = selectors.get_notification_for_user(request.user, pk)
    services.notification_mark_read(notification=notification)
    return redirect(notification.safe_action_url or "notifications:list")


@require_POST
@login_required
def mark_all_read(request):
    count = services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:list")


@never_cache
@login_required
def preferences(request):
    current = selectors.email_choices(request.user)
    form = EmailPreferencesForm(request.POST or None, user=request.user, current=current)
    if request.method == "POST" and form.is_valid():
        services.email_preferences_save(user=request.user, choices=form.cleaned_data)
        messages.success(request, _("Your e-mail choices are saved."))
        return redirect("notifications:preferences")
    context = {"form": form, "emails_enabled": get_setting("email_notifications_enabled")}
    return render(request, "notifications/preferences.html", context)
