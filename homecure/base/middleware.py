from homecure.base import audit


class AuditMiddleware:
    """Makes the request's user, client IP and user agent the acting person for the audit log,
    for exactly the duration of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit.acting(audit.actor_from_request(request)):
            return self.get_response(request)
