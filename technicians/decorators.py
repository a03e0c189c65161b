from functools import wraps

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts.decorators import technician_required
from technicians.selectors import technician_of


def technician_profile_required(view):
    """Technicians only (others 403, anonymous users to the log-in page); the view gets their profile
    as its second argument. A technician invited by an administrator fills in the profile first."""

    @technician_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        technician = technician_of(request.user)
        if technician is None:
            messages.info(request, _("Please fill in your professional profile first."))
            return redirect("portal:profile")
        return view(request, technician, *args, **kwargs)

    return wrapper
