"""Role checks for views: anonymous users go to the log-in page, the wrong role gets 403."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from accounts.models import UserRole


def role_required(*roles: str):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


patient_required = role_required(UserRole.PATIENT)
technician_required = role_required(UserRole.TECHNICIAN)
staff_required = role_required(UserRole.TECHNICIAN, UserRole.ADMIN)
