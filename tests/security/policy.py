"""The authorization policy: who gets what from every URL the project serves.

`TABLE` has one row per (URL name, method) with the expected outcome for each role. A URL name is
matched with shell wildcards, first row wins; only the back office is classified by one rule
(`admin:*`), every other URL has its own rows, and a URL that matches no row fails the matrix
test: a new page cannot ship unclassified.

Outcomes:
    200, 403, 404, 405, 409, ...  that status code
    login        a redirect to the log-in page (with ?next=)
    admin-login  a redirect to the back office's log-in page
    away         a redirect to another page of this site that is not a log-in page

The parameters of each URL are filled with the world's objects (`tests/security/world.py`), all
belonging to `patient` and their nurse `technician`; `PARAMS` names them. POST cases send an empty
form with a valid CSRF token.
"""

from fnmatch import fnmatchcase

from tests.security.world import ROLES

TABLE = """
# URL name                         method anon   pat    o.pat  tech   o.tech unver  admin
home                               GET    200    200    200    200    200    200    200
home                               POST   200    200    200    200    200    200    200
contact                            GET    200    200    200    200    200    200    200
contact                            POST   200    200    200    200    200    200    200
catalog:list                       GET    200    200    200    200    200    200    200
catalog:list                       POST   200    200    200    200    200    200    200
catalog:service                    GET    200    200    200    200    200    200    200
catalog:service                    POST   200    200    200    200    200    200    200
accounts:signup                    GET    200    away   away   away   away   away   away
accounts:signup                    POST   200    away   away   away   away   away   away
accounts:signup-sent               GET    200    200    200    200    200    200    200
accounts:signup-sent               POST   200    200    200    200    200    200    200
accounts:signup-confirm            GET    200    200    200    200    200    200    200
accounts:signup-confirm            POST   200    200    200    200    200    200    200
accounts:login                     GET    200    away   away   away   away   away   away
accounts:login                     POST   200    away   away   away   away   away   away
accounts:logout                    GET    405    405    405    405    405    405    405
accounts:logout                    POST   away   away   away   away   away   away   away
accounts:after-login               GET    login  away   away   away   away   away   away
accounts:after-login               POST   login  away   away   away   away   away   away
accounts:profile                   GET    login  200    200    200    200    200    200
accounts:profile                   POST   login  200    200    200    200    200    200
# Two-factor log-in is for staff; a session that owes no code is sent on from the code page, and
# the recovery-codes page shows codes only right after they were made (else back to two-factor).
accounts:two-factor                GET    login  403    403    200    200    200    200
accounts:two-factor                POST   login  403    403    200    200    200    200
accounts:two-factor-verify         GET    login  away   away   away   away   away   away
accounts:two-factor-verify         POST   login  away   away   away   away   away   away
accounts:two-factor-codes          GET    login  403    403    away   away   away   away
accounts:two-factor-codes          POST   login  403    403    away   away   away   away
accounts:password_change           GET    login  200    200    200    200    200    200
accounts:password_change           POST   login  200    200    200    200    200    200
accounts:password_change_done      GET    login  200    200    200    200    200    200
accounts:password_change_done      POST   login  405    405    405    405    405    405
accounts:password_reset            GET    200    200    200    200    200    200    200
accounts:password_reset            POST   200    200    200    200    200    200    200
accounts:password_reset_done       GET    200    200    200    200    200    200    200
accounts:password_reset_done       POST   405    405    405    405    405    405    405
accounts:password_reset_confirm    GET    away   away   away   away   away   away   away
accounts:password_reset_confirm    POST   away   away   away   away   away   away   away
accounts:password_reset_complete   GET    200    200    200    200    200    200    200
accounts:password_reset_complete   POST   405    405    405    405    405    405    405
bookings:list                      GET    login  200    200    403    403    403    403
bookings:list                      POST   login  200    200    403    403    403    403
# The booking form's GET also answers for free times (?area=&date=, the whole page or htmx's
# fragment): a read that changes nothing whatever it is sent (bookings/tests/test_free_times.py).
bookings:new                       GET    login  200    200    403    403    403    403
bookings:new                       POST   login  200    200    403    403    403    403
bookings:detail                    GET    login  200    404    403    403    403    403
bookings:detail                    POST   login  200    404    403    403    403    403
bookings:qr                        GET    login  200    404    403    403    403    403
bookings:qr                        POST   login  200    404    403    403    403    403
bookings:cancel                    GET    405    405    405    405    405    405    405
bookings:cancel                    POST   login  away   404    403    403    403    403
bookings:reschedule                GET    login  200    404    403    403    403    403
bookings:reschedule                POST   login  200    404    403    403    403    403
bookings:pay                       GET    405    405    405    405    405    405    405
bookings:pay                       POST   login  away   404    403    403    403    403
bookings:review                    GET    405    405    405    405    405    405    405
bookings:review                    POST   login  away   404    403    403    403    403
# Payments: a receipt or credit note is the patient's own; GET only.
bookings:document                  GET    login  200    404    403    403    403    403
bookings:document                  POST   405    405    405    405    405    405    405
# The waitlist (a patient's own entries; an offer opens for its patient only, its POST books).
bookings:waitlist                  GET    login  200    200    403    403    403    403
bookings:waitlist                  POST   login  200    200    403    403    403    403
bookings:waitlist-join             GET    login  200    200    403    403    403    403
bookings:waitlist-join             POST   login  200    200    403    403    403    403
bookings:waitlist-remove           GET    405    405    405    405    405    405    405
bookings:waitlist-remove           POST   login  away   404    403    403    403    403
bookings:waitlist-offer            GET    login  200    404    403    403    403    403
bookings:waitlist-offer            POST   login  away   404    403    403    403    403
# The technician's calendar feed page and its renewal; the feed itself needs no log-in (calendar
# apps cannot log in) but its current secret token: the world's token is a revoked one (404).
portal:calendar                    GET    login  403    403    200    200    200    403
portal:calendar                    POST   login  403    403    200    200    200    403
portal:calendar-renew              GET    405    405    405    405    405    405    405
portal:calendar-renew              POST   login  403    403    away   away   away   403
portal:calendar-feed               GET    404    404    404    404    404    404    404
portal:calendar-feed               POST   405    405    405    405    405    405    405
# Care plans (visit series): the world's `confirmed` visit belongs to `series`, the patient's plan
# with `technician`. Another patient and other technicians do not see that it exists.
bookings:series-new                GET    login  200    200    403    403    403    403
bookings:series-new                POST   login  200    200    403    403    403    403
bookings:series                    GET    login  200    404    403    403    403    403
bookings:series                    POST   login  200    404    403    403    403    403
bookings:series-cancel             GET    405    405    405    405    405    405    405
bookings:series-cancel             POST   login  away   404    403    403    403    403
portal:series                      GET    login  403    403    200    404    404    403
portal:series                      POST   login  403    403    200    404    404    403
portal:series-accept               GET    405    405    405    405    405    405    405
portal:series-accept               POST   login  403    403    away   404    404    403
records:list                       GET    login  200    200    403    403    403    403
records:list                       POST   405    405    405    405    405    405    405
records:who-viewed                 GET    login  200    200    403    403    403    403
records:who-viewed                 POST   405    405    405    405    405    405    405
records:export                     GET    login  200    200    403    403    403    403
records:export                     POST   405    405    405    405    405    405    405
records:new                        GET    login  403    403    200    404    404    200
records:new                        POST   login  403    403    200    404    404    200
# An administrator says why before a record opens (break-glass): the record's pages send them to
# the reason page first; everyone else who may read the record goes on from it to the record.
records:detail                     GET    login  200    404    200    404    404    away
records:detail                     POST   405    405    405    405    405    405    405
records:print                      GET    login  200    404    200    404    404    away
records:print                      POST   405    405    405    405    405    405    405
records:amend                      GET    login  away   404    200    404    404    away
records:amend                      POST   login  away   404    200    404    404    away
records:document                   GET    login  200    404    200    404    404    away
records:document                   POST   405    405    405    405    405    405    405
records:reason                     GET    login  away   404    away   404    404    200
records:reason                     POST   login  away   404    away   404    404    200
portal:dashboard                   GET    login  403    403    200    200    200    403
portal:dashboard                   POST   login  403    403    200    200    200    403
portal:join                        GET    200    away   away   away   away   away   away
portal:join                        POST   200    away   away   away   away   away   away
portal:profile                     GET    login  403    403    200    200    200    403
portal:profile                     POST   login  403    403    200    200    200    403
portal:photo                       GET    404    200    404    200    404    404    200
portal:photo                       POST   404    200    404    200    404    404    200
portal:schedule                    GET    login  403    403    200    200    200    403
portal:schedule                    POST   login  403    403    200    200    200    403
portal:time-off-add                GET    405    405    405    405    405    405    405
portal:time-off-add                POST   login  403    403    200    200    200    403
portal:time-off-delete             GET    405    405    405    405    405    405    405
portal:time-off-delete             POST   login  403    403    away   404    404    403
portal:availability                GET    405    405    405    405    405    405    405
portal:availability                POST   login  403    403    away   away   away   403
portal:jobs                        GET    login  403    403    200    200    200    403
portal:jobs                        POST   login  403    403    200    200    200    403
portal:job                         GET    login  403    403    200    404    404    403
portal:job                         POST   login  403    403    200    404    404    403
portal:accept                      GET    405    405    405    405    405    405    405
portal:accept                      POST   login  403    403    away   404    404    403
portal:decline                     GET    405    405    405    405    405    405    405
portal:decline                     POST   login  403    403    away   404    404    403
portal:complete                    GET    405    405    405    405    405    405    405
portal:complete                    POST   login  403    403    away   404    404    403
portal:no-show                     GET    405    405    405    405    405    405    405
portal:no-show                     POST   login  403    403    away   404    404    403
portal:check-in-code               GET    login  403    403    200    200    200    403
portal:check-in-code               POST   login  403    403    200    200    200    403
portal:check-in                    GET    login  403    403    409    404    403    403
portal:check-in                    POST   login  403    403    409    404    403    403
# The technician's own ratings and reviews, and the list of the records they wrote (each opens
# through records:detail, which audits the read): read-only pages.
portal:reviews                     GET    login  403    403    200    200    200    403
portal:reviews                     POST   405    405    405    405    405    405    405
portal:records                     GET    login  403    403    200    200    200    403
portal:records                     POST   405    405    405    405    405    405    405
earnings:list                      GET    login  403    403    200    200    200    403
earnings:list                      POST   login  403    403    200    200    200    403
earnings:export                    GET    login  403    403    200    200    200    403
earnings:export                    POST   login  403    403    200    200    200    403
notifications:list                 GET    login  200    200    200    200    200    200
notifications:list                 POST   login  200    200    200    200    200    200
notifications:open                 GET    405    405    405    405    405    405    405
notifications:open                 POST   login  away   404    404    404    404    404
notifications:read-all             GET    405    405    405    405    405    405    405
notifications:read-all             POST   login  away   away   away   away   away   away
notifications:preferences          GET    login  200    200    200    200    200    200
notifications:preferences          POST   login  200    200    200    200    200    200
healthz                            GET    200    200    200    200    200    200    200
healthz                            POST   405    405    405    405    405    405    405
readyz                             GET    200    200    200    200    200    200    200
readyz                             POST   405    405    405    405    405    405    405

# The back office, classified by one rule (last two rows): only administrators get in; a visitor
# is sent to its log-in page, a patient or technician to their own start page. Exceptions first.
admin:login                        GET    200    away   away   away   away   away   away
admin:login                        POST   200    away   away   away   away   away   200
admin:logout                       GET    away   away   away   away   away   away   405
admin:logout                       POST   away   away   away   away   away   away   away
# The autocomplete answers 403 without the field it completes; some pages take GET only.
admin:autocomplete                 GET    admin-login away   away   away   away   away   403
admin:autocomplete                 POST   admin-login away   away   away   away   away   405
admin:jsi18n                       POST   admin-login away   away   away   away   away   405
admin:password_change_done         POST   admin-login away   away   away   away   away   405
# "View on site" and the old-style object URLs redirect to the object's page.
admin:view_on_site                 GET    admin-login away   away   away   away   away   away
admin:view_on_site                 POST   admin-login away   away   away   away   away   away
admin:admin/*/<path:object_id>/    GET    admin-login away   away   away   away   away   away
admin:admin/*/<path:object_id>/    POST   admin-login away   away   away   away   away   away
# An unknown back-office URL.
admin:admin/(?P<url>.*)$           GET    admin-login away   away   away   away   away   404
admin:admin/(?P<url>.*)$           POST   admin-login away   away   away   away   away   404
# Rows that only the product's own flows write: no add form, no deletion, and read-only
# change pages refuse a POST. An empty POST to an editable change page saves it (a redirect).
admin:axes_*_add                   GET    admin-login away   away   away   away   away   403
admin:axes_*_add                   POST   admin-login away   away   away   away   away   403
admin:homecure_adminlog_add        GET    admin-login away   away   away   away   away   403
admin:homecure_adminlog_add        POST   admin-login away   away   away   away   away   403
admin:homecure_systemsettings_add  GET    admin-login away   away   away   away   away   403
admin:homecure_systemsettings_add  POST   admin-login away   away   away   away   away   403
admin:homecure_contact_add         GET    admin-login away   away   away   away   away   403
admin:homecure_contact_add         POST   admin-login away   away   away   away   away   403
admin:homecure_scheduledjobrun_add GET    admin-login away   away   away   away   away   403
admin:homecure_scheduledjobrun_add POST   admin-login away   away   away   away   away   403
admin:bookings_failedcheckin_add   GET    admin-login away   away   away   away   away   403
admin:bookings_failedcheckin_add   POST   admin-login away   away   away   away   away   403
admin:bookings_missedvisit_add     GET    admin-login away   away   away   away   away   403
admin:bookings_missedvisit_add     POST   admin-login away   away   away   away   away   403
admin:bookings_payment_add         GET    admin-login away   away   away   away   away   403
admin:bookings_payment_add         POST   admin-login away   away   away   away   away   403
admin:bookings_documentcounter_add GET    admin-login away   away   away   away   away   403
admin:bookings_documentcounter_add POST   admin-login away   away   away   away   away   403
admin:bookings_visitseries_add     GET    admin-login away   away   away   away   away   403
admin:bookings_visitseries_add     POST   admin-login away   away   away   away   away   403
admin:bookings_visitseries_delete  GET    admin-login away   away   away   away   away   403
admin:bookings_visitseries_delete  POST   admin-login away   away   away   away   away   403
admin:bookings_visitseries_change  POST   admin-login away   away   away   away   away   403
admin:bookings_booking_add         GET    admin-login away   away   away   away   away   403
admin:bookings_booking_add         POST   admin-login away   away   away   away   away   403
admin:earnings_technicianearnings_add GET    admin-login away   away   away   away   away   403
admin:earnings_technicianearnings_add POST   admin-login away   away   away   away   away   403
admin:notifications_emailpreference_add GET    admin-login away   away   away   away   away   403
admin:notifications_emailpreference_add POST   admin-login away   away   away   away   away   403
admin:notifications_sentreminder_add GET    admin-login away   away   away   away   away   403
admin:notifications_sentreminder_add POST   admin-login away   away   away   away   away   403
admin:homecure_adminlog_delete     GET    admin-login away   away   away   away   away   403
admin:homecure_adminlog_delete     POST   admin-login away   away   away   away   away   403
admin:homecure_systemsettings_delete GET    admin-login away   away   away   away   away   403
admin:homecure_systemsettings_delete POST   admin-login away   away   away   away   away   403
admin:bookings_failedcheckin_delete GET    admin-login away   away   away   away   away   403
admin:bookings_failedcheckin_delete POST   admin-login away   away   away   away   away   403
admin:bookings_missedvisit_delete  GET    admin-login away   away   away   away   away   403
admin:bookings_missedvisit_delete  POST   admin-login away   away   away   away   away   403
admin:bookings_payment_delete      GET    admin-login away   away   away   away   away   403
admin:bookings_payment_delete      POST   admin-login away   away   away   away   away   403
admin:bookings_documentcounter_delete GET    admin-login away   away   away   away   away   403
admin:bookings_documentcounter_delete POST   admin-login away   away   away   away   away   403
admin:homecure_scheduledjobrun_delete GET    admin-login away   away   away   away   away   403
admin:homecure_scheduledjobrun_delete POST   admin-login away   away   away   away   away   403
admin:bookings_booking_delete      GET    admin-login away   away   away   away   away   403
admin:bookings_booking_delete      POST   admin-login away   away   away   away   away   403
admin:records_healthrecord_delete  GET    admin-login away   away   away   away   away   403
admin:records_healthrecord_delete  POST   admin-login away   away   away   away   away   403
admin:earnings_technicianearnings_delete GET    admin-login away   away   away   away   away   403
admin:earnings_technicianearnings_delete POST   admin-login away   away   away   away   away   403
admin:homecure_adminlog_change     POST   admin-login away   away   away   away   away   403
admin:bookings_failedcheckin_change POST   admin-login away   away   away   away   away   403
admin:bookings_missedvisit_change  POST   admin-login away   away   away   away   away   403
# The waitlist and the calendar feeds are written by patients and technicians, read by the office.
admin:bookings_waitlistentry_add   GET    admin-login away   away   away   away   away   403
admin:bookings_waitlistentry_add   POST   admin-login away   away   away   away   away   403
admin:bookings_waitlistentry_delete GET    admin-login away   away   away   away   away   403
admin:bookings_waitlistentry_delete POST   admin-login away   away   away   away   away   403
admin:bookings_waitlistentry_change POST   admin-login away   away   away   away   away   403
admin:bookings_calendarfeed_add    GET    admin-login away   away   away   away   away   403
admin:bookings_calendarfeed_add    POST   admin-login away   away   away   away   away   403
admin:bookings_calendarfeed_delete GET    admin-login away   away   away   away   away   403
admin:bookings_calendarfeed_delete POST   admin-login away   away   away   away   away   403
admin:bookings_calendarfeed_change POST   admin-login away   away   away   away   away   403
admin:bookings_payment_change      POST   admin-login away   away   away   away   away   403
admin:bookings_documentcounter_change POST   admin-login away   away   away   away   away   403
admin:homecure_scheduledjobrun_change POST   admin-login away   away   away   away   away   403
admin:notifications_emailpreference_change POST   admin-login away   away   away   away   away   403
admin:notifications_sentreminder_change POST   admin-login away   away   away   away   away   403
admin:records_healthrecord_change  GET    admin-login away   away   away   away   away   away
admin:records_healthrecord_change  POST   admin-login away   away   away   away   away   away
admin:axes_*_change                POST   admin-login away   away   away   away   away   away
admin:homecure_contact_change      POST   admin-login away   away   away   away   away   away
admin:earnings_technicianearnings_change POST   admin-login away   away   away   away   away   away
# Payouts: written only by the earnings' "Record a payout" action, then kept as they are.
admin:earnings_payout_add          GET    admin-login away   away   away   away   away   403
admin:earnings_payout_add          POST   admin-login away   away   away   away   away   403
admin:earnings_payout_delete       GET    admin-login away   away   away   away   away   403
admin:earnings_payout_delete       POST   admin-login away   away   away   away   away   403
admin:earnings_payout_change       POST   admin-login away   away   away   away   away   403
# The office's day board is a page to read: the changes it leads to have their own forms.
admin:bookings_booking_day_board   POST   admin-login away   away   away   away   away   405
# Every other back-office page.
admin:*                            GET    admin-login away   away   away   away   away   200
admin:*                            POST   admin-login away   away   away   away   away   200
"""

# URL parameters -> the world's object that fills them (a dotted path on `World`).
PARAMS = {
    "catalog:service": {"slug": "service.slug"},
    "bookings:new": {"slug": "service.slug"},
    "bookings:detail": {"reference": "confirmed.reference"},
    "bookings:qr": {"reference": "confirmed.reference"},
    "bookings:cancel": {"reference": "confirmed.reference"},
    "bookings:reschedule": {"reference": "confirmed.reference"},
    "bookings:pay": {"reference": "confirmed.reference"},
    "bookings:review": {"reference": "completed.reference"},
    "bookings:document": {"reference": "completed.reference", "number": "receipt.number"},
    "bookings:waitlist-remove": {"pk": "waitlist_entry.pk"},
    "bookings:waitlist-offer": {"pk": "waitlist_offer.pk"},
    "portal:calendar-feed": {"token": "revoked_feed_token"},
    "bookings:series-new": {"slug": "service.slug"},
    "bookings:series": {"reference": "series.reference"},
    "bookings:series-cancel": {"reference": "series.reference"},
    "portal:series": {"reference": "series.reference"},
    "portal:series-accept": {"reference": "series.reference"},
    "accounts:password_reset_confirm": {"uidb64": "reset_uid", "token": "reset_token"},
    # A password-reset token does not confirm an address: the page says the link does not work.
    "accounts:signup-confirm": {"uidb64": "reset_uid", "token": "reset_token"},
    "records:new": {"reference": "in_progress.reference"},
    "records:detail": {"pk": "record.pk"},
    "records:print": {"pk": "record.pk"},
    "records:amend": {"pk": "record.pk"},
    "records:reason": {"pk": "record.pk"},
    "records:document": {"pk": "record.pk", "document_pk": "document.pk"},
    "portal:photo": {"pk": "technician.pk"},
    "portal:time-off-delete": {"pk": "time_off.pk"},
    "portal:job": {"reference": "confirmed.reference"},
    "portal:accept": {"reference": "confirmed.reference"},
    "portal:decline": {"reference": "confirmed.reference"},
    "portal:complete": {"reference": "in_progress.reference"},
    "portal:no-show": {"reference": "confirmed.reference"},
    "portal:check-in": {"token": "confirmed.qr_code_data"},
    "notifications:open": {"pk": "notification.pk"},
}


def parse(table: str) -> list[tuple[str, str, dict[str, str]]]:
    rows = []
    for line in table.strip().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pattern, method, *outcomes = line.split()
        assert len(outcomes) == len(ROLES), f"{pattern} {method}: {len(outcomes)} outcomes for {len(ROLES)} roles"
        rows.append((pattern, method, dict(zip(ROLES, outcomes, strict=True))))
    return rows


RULES = parse(TABLE)


def expected(key: str, method: str) -> dict[str, str] | None:
    """Role -> outcome for a URL key and method, or None when the policy does not classify it."""
    for pattern, rule_method, outcomes in RULES:
        if rule_method == method and fnmatchcase(key, pattern):
            return outcomes
    return None
