"""The technician's calendar feed: the portal page with its secret address and "Renew link", and the
feed itself, which calendar apps fetch without logging in (the unguessable token is the key)."""

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from bookings import calendar
from bookings.models import CalendarFeed
from technicians.decorators import technician_profile_required

#: Where the address made by "Renew link" waits in the session to be shown once.
NEW_FEED_URL = "calendar_feed_url"


@never_cache
@technician_profile_required
def calendar_page(request, technician):
    feed = CalendarFeed.objects.filter(technician=technician).first()
    context = {"technician": technician, "feed": feed, "new_url": request.session.pop(NEW_FEED_URL, None)}
    return render(request, "bookings/portal/calendar.html", context)


@require_POST
@technician_profile_required
def calendar_renew(request, technician):
    token = calendar.calendar_feed_renew(technician=technician)
    request.session[NEW_FEED_URL] = request.build_absolute_uri(reverse("portal:calendar-feed", kwargs={"token": token}))
    return redirect("portal:calendar")


@never_cache
@require_GET
def calendar_feed(request, token):
    feed = calendar.feed_for_token(token)
    if feed is None:
        raise Http404
    now = timezone.now()
    calendar.calendar_feed_fetched(feed=feed, now=now)
    content = calendar.feed_calendar(feed.technician, now=now)
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="homecure.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
