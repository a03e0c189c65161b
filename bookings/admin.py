import uuid
from datetime import timedelta
from decimal import Decimal
from functools import cache
from html import escape
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_list import result_headers
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import ServiceArea, User, display_name
from bookings import payments, selectors, series, services
from bookings.day_board import day_board
from bookings.forms import SeriesCancelForm
from bookings.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingDecline,
    BookingStatus,
    BookingStatusHistory,
    CalendarFeed,
    DocumentCounter,
    FailedCheckIn,
    MissedVisit,
    Payment,
    PaymentKind,
    PaymentState,
    PaymentStatus,
    Service,
    VisitSeries,
    WaitlistEntry,
    WaitlistOffer,
)
from bookings.scheduling import explain_eligibility, local_datetime
from homecure.base.admin_paginator import EstimatedCountPaginator
from homecure.base.admin_read_only import ReadOnlyAdmin
from homecure.base.dates import format_when
from homecure.base.page_cache import database_state, keyed_page
from technicians.models import Technician


class AssignForm(forms.Form):
    """The technicians the office may consider (`scheduling.explain_eligibility`), each labelled with
    why they are not eligible, and the reason for an override. Whether a reason is needed, and which
    obstacles may be overridden, is the service's decision (`booking_assign`)."""

    technician = forms.TypedChoiceField(label=_("Technician"), coerce=int, widget=forms.RadioSelect)
    override_reason = forms.CharField(
        label=_("Reason for the override"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Needed to assign a technician who is not eligible (outside their area or working hours, on time off "
            "or not available). It is written to the audit log. A technician busy with another visit cannot be "
            "assigned."
        ),
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = {candidate.technician.pk: candidate for candidate in candidates}
        self.fields["technician"].choices = [(c.technician.pk, self.label(c)) for c in candidates]

    @staticmethod
    def label(candidate):
        if candidate.is_eligible:
            return _("%(technician)s: eligible and free") % {"technician": candidate.technician}
        return _("%(technician)s: not eligible (%(reasons)s)") % {
            "technician": candidate.technician,
            "reasons": candidate.explanation,
        }

    def chosen_technician(self):
        return self.candidates[self.cleaned_data["technician"]].technician


# Where the assign page shows a refusal of `booking_assign`: next to the field to correct, or above the form.
ASSIGN_ERROR_FIELDS = {
    "override_reason_required": "override_reason",
    "slot_taken": "technician",
    "not_working": "technician",
}


class AdminCancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class AdminRescheduleForm(forms.Form):
    """A new date and time for a visit, in the platform's time zone; any time, not only the patient's grid."""

    date = forms.DateField(label=_("New date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("New time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    def clean(self):
        cleaned = super().clean()
        day, wall = cleaned.get("date"), cleaned.get("time")
        if day is not None and wall is not None:
            start = local_datetime(day, wall)
            if start is None:
                raise forms.ValidationError(_("This time does not exist on that day (the clocks go forward)."))
            cleaned["start"] = start
        return cleaned


class RefundForm(forms.Form):
    """How much of a paid booking's money to return, and why. The hidden key makes a double submit
    refund once (`payments.booking_refund`); the service checks the amount against what is left."""

    amount = forms.DecimalField(
        label=_("Amount to refund"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text=_("All of what is left, or part of it."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)


class DayBoardForm(forms.Form):
    """Which day and area the day board shows, and which of its visits is open in the side panel.

    Every field is optional: a missing or wrong value falls back to today, every area and no visit.
    """

    day = forms.DateField(label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=ServiceArea.objects.none(), required=False, empty_label=_("All areas")
    )
    visit = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)

    DAYS_AROUND_TODAY = 3653

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = ServiceArea.objects.filter(is_active=True).order_by("name")

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day is not None and abs((day - timezone.localdate()).days) > self.DAYS_AROUND_TODAY:
            raise forms.ValidationError(_("Choose a day within ten years of today."))
        return day

    def choice(self, name, default=None):
        """The field's valid value, or `default` when it is missing or not valid."""
        if not self.is_valid() and name in self.errors:
            return default
        value = self.cleaned_data.get(name)
        return default if value is None else value


class TechnicianListFilter(admin.RelatedFieldListFilter):
    """Technicians by name, fetched with their user accounts in one query; "not assigned" finds the
    bookings waiting for one.

    A large operator has a thousand technicians, more than a sidebar can list (and rendering them
    all would cost more than the page): past `MAX_LISTED` only the chosen technician is listed, and
    the search box finds a technician's bookings by name or e-mail.
    """

    MAX_LISTED = 50

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.empty_value_display = _("Not assigned")

    def field_choices(self, field, request, model_admin):
        # Only the columns of a technician's name: fetching a sidebar's worth of technicians with
        # their whole accounts, only to find there are too many to list, cost more than the rest
        # of the filters together.
        technicians = Technician.objects.order_by("user__last_name", "user__first_name").values_list(
            "pk", "specialization", "user__first_name", "user__last_name", "user__email"
        )
        listed = list(technicians[: self.MAX_LISTED + 1])
        if len(listed) > self.MAX_LISTED:
            chosen = [value for value in self.lookup_val or [] if str(value).isdigit()]
            listed = list(technicians.filter(pk__in=chosen)) if chosen else []
        # Named as `Technician.__str__` names them, from the columns read.
        return [
            (pk, str(Technician(specialization=kind, user=User(first_name=first, last_name=last, email=email))))
            for pk, kind, first, last, email in listed
        ]

    def has_output(self):
        # "Not assigned" is worth offering even when no technician is listed.
        return True


@cache
def _list_words(language: str) -> dict:
    """The words the list's rows repeat, translated once into `language`: a translation lookup in
    every cell was a fifth of a row's time."""
    return {
        "not_assigned": str(_("not assigned")),
        "select": str(_("Select this object for an action - {}")),
    }


def list_words() -> dict:
    return _list_words(get_language())


def list_html(template: str, *values) -> SafeString:
    """`format_html` for the cells of a long list: the values escaped unless already safe, without
    `format_html`'s check of every value for a lazy translation (a third of a row's time)."""
    escaped = (value.__html__() if hasattr(value, "__html__") else escape(str(value)) for value in values)
    return mark_safe(template.format(*escaped))  # noqa: S308 (every value is escaped or already safe)


class BookingChangeList(ChangeList):
    """The bookings' list, each row written by `BookingAdmin.list_row` in one piece.

    Django's generic cell code (`items_for_result`) looks every column up by name, checks its
    kind, formats it and reverses the row's link, for every cell: with the instances behind each
    row, it was most of the page's time. The page reads only the columns the rows show, with the
    names of the related rows beside them (`BookingAdmin.list_names`).
    """

    def get_results(self, request):
        super().get_results(request)
        admin = self.model_admin
        self.result_list = self.result_list.select_related(None).only(*admin.list_columns).annotate(**admin.list_names)

    def headers(self):
        return list(result_headers(self))

    def rows(self):
        # Each booking's change page ("<key>/change/" under the list, as the admin lays its pages
        # out) with the list's filters kept for the way back, as the generic list links it.
        listed = reverse("admin:bookings_booking_changelist", current_app=self.model_admin.admin_site.name)
        query = f"?{self.preserved_filters}" if self.preserved_filters else ""
        row = self.model_admin.list_row
        return [row(booking, url=f"{listed}{booking.pk}/change/{query}") for booking in self.result_list]


@keyed_page(lambda request, render_list: [database_state()])
def _kept_booking_list(request, render_list):
    """The office's list of every booking, kept under the state of the whole database: the rows
    it may show are every booking in any order, filter and search, with the names of their people,
    services and areas, so a stamp of its own rows would be the whole table's (a scan of 100,000
    rows per request), and a change to the bookings is one of the list's more often than not. A
    commit anywhere in the database makes the next request render the list again. On SQLite it is
    rendered every time."""
    return render_list(request)


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "price", "duration_minutes", "is_active")
    list_filter = ("category", "is_active")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at", "updated_at")


class BookingStatusHistoryInline(admin.TabularInline):
    model = BookingStatusHistory
    fields = ("created_at", "from_status", "to_status", "changed_by", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by", "booking")


class BookingDeclineInline(admin.TabularInline):
    model = BookingDecline
    fields = ("created_at", "technician", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("technician__user", "booking")


class PaymentInline(admin.TabularInline):
    """The booking's money, row by row: read-only (rows are written by the booking services)."""

    model = Payment
    fields = ("created_at", "kind", "amount", "currency", "state", "provider", "provider_reference", "number", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("payments and refunds")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    # Five columns for the nine facts: the visit, the people and the states are each one cell of
    # two lines, so the list fits the screen (its rows are written by `BookingChangeList`).
    list_display = ("reference", "visit", "people", "state", "total_amount")
    # What the rows read (`BookingChangeList`): the booking's own columns, and the names of its
    # patient, technician, service and area in the same query instead of an instance of each.
    list_columns = ("reference", "scheduled_start", "status", "payment_status", "total_amount", "technician")
    list_names = {
        "patient_first_name": F("user__first_name"),
        "patient_last_name": F("user__last_name"),
        "patient_email": F("user__email"),
        "technician_first_name": F("technician__user__first_name"),
        "technician_last_name": F("technician__user__last_name"),
        "technician_email": F("technician__user__email"),
        "service_name": F("service__name"),
        "area_name": F("service_area__name"),
    }
    # An office reads the top of the list and narrows it with the filters and the search; 25
    # two-line rows fill about two screens.
    list_per_page = 25
    list_select_related = ("user", "service", "technician__user", "service_area")
    list_filter = (
        "status",
        "scheduled_date",
        "service__category",
        "service",
        "service_area",
        ("technician", TechnicianListFilter),
        "payment_status",
        "payment_method",
    )
    search_fields = (
        "reference",
        "user__email",
        "user__first_name",
        "user__last_name",
        "user__phone",
        "technician__user__email",
        "technician__user__last_name",
        "service__name",
        "service_address",
    )
    # No date drill-down: its list of years and months costs a scan of the dates on every page;
    # the "scheduled date" filter and the search narrow the list instead.
    # The count of every booking under the filtered count costs a second scan of the whole table,
    # and the unfiltered list takes the planner's estimate of it.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    # No "Show counts" link: its counts of every filter's choices read the whole table (a query
    # per choice, half a second at 100,000 bookings).
    show_facets = admin.ShowFacets.NEVER
    # Status, schedule, assignment and money change only through the booking services (with
    # their checks, history and notifications); the form edits the address and the admin notes.
    readonly_fields = (
        "reference",
        "status",
        "back_office_actions",
        "user",
        "technician",
        "service",
        "scheduled_start",
        "scheduled_end",
        "duration_minutes",
        "service_area",
        "total_amount",
        "payment_method",
        "payment_status",
        "qr_code_data",
        "qr_image",
        "checked_in_at",
        "user_notes",
        "technician_notes",
        "user_rating",
        "user_review",
        "cancellation_reason",
        "created_at",
        "updated_at",
        "offered_at",
        "not_attended_at",
        "completed_at",
        "cancelled_at",
    )
    fieldsets = (
        (None, {"fields": ("reference", "status", "back_office_actions", "user", "technician", "service")}),
        (
            _("Visit"),
            {
                "fields": (
                    "scheduled_start",
                    "scheduled_end",
                    "duration_minutes",
                    "service_area",
                    "service_address",
                    "service_location",
                )
            },
        ),
        (_("Payment"), {"fields": ("total_amount", "payment_method", "payment_status")}),
        (_("Check-in"), {"fields": ("qr_code_data", "qr_image", "checked_in_at")}),
        (
            _("Notes and review"),
            {
                "fields": (
                    "user_notes",
                    "technician_notes",
                    "admin_notes",
                    "user_rating",
                    "user_review",
                    "cancellation_reason",
                )
            },
        ),
        (
            _("Timestamps"),
            {
                "fields": (
                    "created_at",
                    "updated_at",
                    "offered_at",
                    "not_attended_at",
                    "completed_at",
                    "cancelled_at",
                )
            },
        ),
    )
    inlines = [PaymentInline, BookingStatusHistoryInline, BookingDeclineInline]
    actions = ["confirm_selected"]
    # The booking's own page is the patient's: an administrator would get "forbidden" there.
    view_on_site = False

    # Assigning, confirming and cancelling go through the booking services, so the back office
    # keeps the same eligibility and no-overlap rules, history rows and signals as the portal.
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("day-board/", view(self.day_board_view), name="bookings_booking_day_board"),
            path("<int:pk>/assign/", view(self.assign_view), name="bookings_booking_assign"),
            path("<int:pk>/cancel/", view(self.cancel_view), name="bookings_booking_cancel"),
            path("<int:pk>/reschedule/", view(self.reschedule_view), name="bookings_booking_reschedule"),
            path("<int:pk>/refund/", view(self.refund_view), name="bookings_booking_refund"),
            *super().get_urls(),
        ]

    def _booking_for_change(self, request, pk):
        booking = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_change_permission(request, booking):
            raise PermissionDenied
        return booking

    def _render(self, request, booking, form, title, template="action_form.html", **extra):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": booking,
            "title": title,
            "form": form,
            "back_url": self._back_to_board(request) or reverse("admin:bookings_booking_change", args=[booking.pk]),
            **extra,
        }
        return TemplateResponse(request, f"admin/bookings/booking/{template}", context)

    @staticmethod
    def _back_to_board(request) -> str | None:
        """The day board's address the action was started from (`?next=`), when it is one."""
        board = reverse("admin:bookings_booking_day_board")
        target = request.GET.get("next", "")
        safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
        return target if safe and target.startswith(board) else None

    def _done(self, request, booking):
        return redirect(self._back_to_board(request) or reverse("admin:bookings_booking_change", args=[booking.pk]))

    def day_board_view(self, request):
        """The day's technicians, visits and waiting bookings on a time axis (`bookings.day_board`)."""
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = DayBoardForm(request.GET or None)
        today = timezone.localdate()
        day = form.choice("day", today) if form.is_bound else today
        area = form.choice("area") if form.is_bound else None
        board = day_board(day=day, area=area)
        selected = board.find(form.choice("visit")) if form.is_bound else None
        place = {"day": day.isoformat(), **({"area": area.pk} if area else {})}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Day board"),
            # The board needs the page's whole width: the list of models stays on the other pages.
            "is_nav_sidebar_enabled": False,
            "form": form,
            "board": board,
            "selected": selected,
            "place": urlencode(place),
            "board_url": f"{request.path}?{urlencode(place)}",
            "previous_day": urlencode({**place, "day": (day - timedelta(days=1)).isoformat()}),
            "next_day": urlencode({**place, "day": (day + timedelta(days=1)).isoformat()}),
            "today": urlencode({**place, "day": today.isoformat()}),
            "is_today": day == today,
        }
        return TemplateResponse(request, "admin/bookings/booking/day_board.html", context)

    def assign_view(self, request, pk):
        """Eligible, free technicians first, then every other verified, working technician of the
        specialization with why they are not eligible; the service decides what may be overridden."""
        booking = self._booking_for_change(request, pk)
        candidates = explain_eligibility(booking)
        form = AssignForm(request.POST or None, candidates=candidates)
        if request.method == "POST" and form.is_valid():
            try:
                services.booking_assign(
                    booking=booking,
                    technician=form.chosen_technician(),
                    actor=request.user,
                    override_reason=form.cleaned_data["override_reason"],
                )
            except services.BookingError as error:
                form.add_error(ASSIGN_ERROR_FIELDS.get(error.code), error.message)
            else:
                self.message_user(request, _("Technician assigned; the booking waits for their answer."))
                return self._done(request, booking)
        return self._render(
            request,
            booking,
            form,
            _("Assign a technician to %(booking)s") % {"booking": booking},
            template="assign_form.html",
            anyone_eligible=any(candidate.is_eligible for candidate in candidates),
            anyone_listed=bool(candidates),
            submit_label=_("Assign technician"),
        )

    def cancel_view(self, request, pk):
        booking = self._booking_for_change(request, pk)
        form = AdminCancelForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.booking_cancel(booking=booking, actor=request.user, reason=form.cleaned_data["reason"])
            except services.BookingError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, _("Booking cancelled."))
                return self._done(request, booking)
        return self._render(request, booking, form, _("Cancel %(booking)s") % {"booking": booking})

    def reschedule_view(self, request, pk):
        booking = self._booking_for_change(request, pk)
        local = booking.local_start
        form = AdminRescheduleForm(request.POST or None, initial={"date": local.date(), "time": local.time()})
        if request.method == "POST" and form.is_valid():
            try:
                booking = services.booking_reschedule(
                    booking=booking, start=form.cleaned_data["start"], actor=request.user
                )
            except services.BookingError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(booking)s now starts at %(when)s with %(technician)s (%(status)s).")
                    % {
                        "booking": booking.reference,
                        "when": format_when(booking.local_start),
                        "technician": booking.technician,
                        "status": booking.get_status_display().lower(),
                    },
                )
                return redirect("admin:bookings_booking_change", booking.pk)
        return self._render(request, booking, form, _("Change the time of %(booking)s") % {"booking": booking})

    def refund_view(self, request, pk):
        """Return all or part of a paid booking's money through the payment provider, with a reason."""
        booking = self._booking_for_change(request, pk)
        left = payments.balance(booking)
        form = RefundForm(request.POST or None, initial={"amount": left, "idempotency_key": uuid.uuid4()})
        if request.method == "POST" and form.is_valid():
            try:
                refund = payments.booking_refund(
                    booking=booking,
                    actor=request.user,
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except payments.RefundRefused as error:
                form.add_error("amount" if error.code == "amount" else None, error.message)
            else:
                if refund.is_settled:
                    self.message_user(
                        request,
                        _("Refunded %(amount)s (credit note %(number)s).")
                        % {
                            "amount": refund.amount,
                            "number": refund.number,
                        },
                    )
                else:
                    self.message_user(
                        request,
                        _("The refund failed: %(answer)s. Nothing was refunded; retry it from the payments list.")
                        % {"answer": refund.failure_message},
                        messages.ERROR,
                    )
                return redirect("admin:bookings_booking_change", booking.pk)
        return self._render(
            request,
            booking,
            form,
            _("Refund %(booking)s") % {"booking": booking},
            template="refund_form.html",
            paid=selectors.amount_paid(booking),
            refunded=selectors.amount_refunded(booking),
            left=left,
            submit_label=_("Refund"),
        )

    @admin.action(description=_("Confirm selected pending bookings"), permissions=["change"])
    def confirm_selected(self, request, queryset):
        confirmed = 0
        for booking in queryset.filter(status=BookingStatus.PENDING):
            try:
                services.booking_accept(booking=booking, actor=request.user)
            except services.BookingError as error:
                self.message_user(request, f"{booking.reference}: {error.message}", messages.ERROR)
            else:
                confirmed += 1
        self.message_user(request, _("%(count)d booking(s) confirmed.") % {"count": confirmed})

    @admin.display(description=_("actions"))
    def back_office_actions(self, obj):
        links = []
        if obj.pk is not None and obj.status in ACTIVE_STATUSES:
            links = [
                (reverse("admin:bookings_booking_assign", args=[obj.pk]), _("Assign or reassign technician")),
                (reverse("admin:bookings_booking_cancel", args=[obj.pk]), _("Cancel booking")),
            ]
            if obj.status in (BookingStatus.PENDING, BookingStatus.CONFIRMED):
                links.append((reverse("admin:bookings_booking_reschedule", args=[obj.pk]), _("Change the time")))
        if obj.pk is not None and obj.payment_status == PaymentStatus.PAID:
            links.append((reverse("admin:bookings_booking_refund", args=[obj.pk]), _("Refund")))
        if not links:
            return "-"
        return format_html_join(" ", '<a class="button" href="{}">{}</a>', links)

    @admin.display(description=_("patient"), ordering="user__email")
    def patient(self, obj):
        return obj.user

    @admin.display(description=_("visit"), ordering="scheduled_start")
    def visit(self, obj):
        return list_html(
            "{}<br>{} · {}",
            format_when(obj.scheduled_start, "short_weekday_datetime"),
            obj.service_name,
            obj.area_name,
        )

    @admin.display(description=_("patient and technician"), ordering="user__email")
    def people(self, obj):
        patient = display_name(obj.patient_first_name, obj.patient_last_name, obj.patient_email)
        if obj.technician_id:
            technician = display_name(obj.technician_first_name, obj.technician_last_name, obj.technician_email)
        else:
            technician = list_words()["not_assigned"]
        return list_html("{}<br>{}", patient, technician)

    @admin.display(description=_("status and payment"), ordering="status")
    def state(self, obj):
        return list_html("{}<br>{}", obj.get_status_display(), obj.get_payment_status_display())

    def action_checkbox(self, obj):
        """The selection box of a row, written out: Django renders a form widget's template for each
        row (a third of the list's time). The same markup, named by the booking's reference."""
        return list_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            list_words()["select"].format(obj.reference),
        )

    def get_changelist(self, request, **kwargs):
        return BookingChangeList

    def changelist_view(self, request, extra_context=None):
        """The list, kept whole while nothing in the database changes (`_kept_booking_list`)."""
        if extra_context is not None or not self.has_view_or_change_permission(request):
            return super().changelist_view(request, extra_context)
        return _kept_booking_list(request, super().changelist_view)

    def list_row(self, obj, *, url):
        """One row of the list, in the cells Django's list would write for `list_display`."""
        return list_html(
            '<tr><td class="action-checkbox">{}</td><th class="field-reference"><a href="{}">{}</a></th>'
            '<td class="field-visit">{}</td><td class="field-people">{}</td><td class="field-state">{}</td>'
            '<td class="field-total_amount">{}</td></tr>',
            self.action_checkbox(obj),
            url,
            obj.reference,
            self.visit(obj),
            self.people(obj),
            self.state(obj),
            number_format(obj.total_amount, 2),
        )

    @admin.display(description=_("QR code"))
    def qr_image(self, obj):
        if not obj.qr_code:
            return "-"
        return format_html(
            '<img src="data:image/png;base64,{}" width="160" height="160" alt="{}">',
            obj.qr_code,
            _("Check-in QR code of booking %(reference)s") % {"reference": obj.reference},
        )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "service", "technician__user", "service_area")

    # Bookings are made through the booking pages, which choose an eligible technician, copy the
    # price and issue the reference; a cancelled booking is kept, never deleted.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FailedCheckIn)
class FailedCheckInAdmin(ReadOnlyAdmin):
    """Refused check-ins, for spotting lost phones, wrong addresses and guessed codes. Read-only:
    the record is evidence, so nobody edits or deletes it here."""

    list_display = ("created_at", "technician", "reason", "code", "booking_reference")
    list_filter = ("reason", "method", "created_at")
    list_select_related = ("user", "booking")
    search_fields = ("user__email", "user__first_name", "user__last_name", "code", "booking__reference")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    # Every refused check-in, guessed codes included.
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    @admin.display(description=_("technician"), ordering="user__last_name")
    def technician(self, obj):
        return obj.user or "-"

    @admin.display(description=_("booking"), ordering="booking__reference")
    def booking_reference(self, obj):
        return obj.booking.reference if obj.booking else "-"


@admin.register(MissedVisit)
class MissedVisitAdmin(ReadOnlyAdmin):
    """The technicians' missed visits: confirmed visits nobody checked in to, cancelled a day after
    their start by `run_scheduled`. Filter by technician to read one person's record. Read-only:
    the rows are written by `bookings.services.booking_lapse` alone."""

    list_display = ("scheduled_start", "technician", "booking_link", "recorded_at")
    list_filter = (("technician", TechnicianListFilter), "scheduled_start")
    list_select_related = ("technician__user", "booking")
    search_fields = ("technician__user__email", "technician__user__last_name", "booking__reference")
    date_hierarchy = "scheduled_start"
    ordering = ("-scheduled_start",)

    @admin.display(description=_("booking"), ordering="booking__reference")
    def booking_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:bookings_booking_change", args=[obj.booking_id]),
            obj.booking.reference,
        )


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    """Every payment and refund. Read-only: rows are written by the booking services and a settled one
    never changes; a failed refund is tried again with the "Retry" action."""

    list_display = ("created_at", "booking_link", "kind", "amount", "currency", "state", "provider", "number")
    list_filter = ("state", "kind", "provider", "created_at")
    list_select_related = ("booking",)
    search_fields = ("booking__reference", "number", "provider_reference", "booking__user__email")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    actions = ["retry_refunds"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    fields = (
        "booking_link",
        "kind",
        "state",
        "amount",
        "currency",
        "provider",
        "provider_reference",
        "number",
        "reason",
        "failure_message",
        "attempts",
        "created_by",
        "created_at",
        "settled_at",
    )
    readonly_fields = fields

    @admin.display(description=_("booking"), ordering="booking__reference")
    def booking_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:bookings_booking_change", args=[obj.booking_id]),
            obj.booking.reference,
        )

    @admin.action(description=_("Retry selected failed refunds"), permissions=["view"])
    def retry_refunds(self, request, queryset):
        done = 0
        for payment in queryset.filter(kind=PaymentKind.REFUND, state=PaymentState.FAILED):
            try:
                payment = payments.payment_retry_refund(payment=payment, actor=request.user)
            except payments.RefundRefused as error:
                self.message_user(request, f"{payment.booking.reference}: {error.message}", messages.ERROR)
                continue
            if payment.is_settled:
                done += 1
            else:
                self.message_user(
                    request,
                    _("%(booking)s: the refund failed again (%(answer)s).")
                    % {"booking": payment.booking.reference, "answer": payment.failure_message},
                    messages.ERROR,
                )
        self.message_user(request, _("%(count)d refund(s) went through.") % {"count": done})


@admin.register(DocumentCounter)
class DocumentCounterAdmin(ReadOnlyAdmin):
    """The last receipt and credit-note number given each year. Read-only: numbers are taken by
    `bookings.receipts.allocate_number` alone, in the transaction that records the money."""

    list_display = ("year", "series", "last_number")
    list_filter = ("series", "year")
    search_fields = ("year",)
    ordering = ("-year", "series")


class WaitlistOfferInline(admin.TabularInline):
    model = WaitlistOffer
    fields = ("start", "created_at", "booking")
    readonly_fields = fields
    extra = 0
    can_delete = False


class SeriesVisitInline(admin.TabularInline):
    """The visits of a care plan, each a link to its booking's screen."""

    model = Booking
    fields = ("visit", "scheduled_start", "technician", "status", "payment_status", "total_amount")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("scheduled_start", "pk")
    verbose_name = _("visit")
    verbose_name_plural = _("visits")

    @admin.display(description=_("booking"))
    def visit(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:bookings_booking_change", args=[obj.pk]), obj.reference
        )

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ReadOnlyAdmin):
    """The waitlist, in order of asking, with the times offered to each entry and what was booked.
    Read-only: patients join and leave it themselves (`bookings.waitlist`)."""

    list_display = ("created_at", "patient", "service", "area", "first_day", "last_day", "day_part", "status")
    list_filter = ("status", "day_part", "area", "service")
    list_select_related = ("patient", "service", "area")
    search_fields = ("patient__email", "patient__last_name")
    date_hierarchy = "first_day"
    ordering = ("-created_at", "-pk")
    inlines = [WaitlistOfferInline]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    """Technicians' calendar addresses: when each was made and how often it was fetched (the address
    itself is known only to its technician). A technician renews theirs in the portal."""

    list_display = ("technician", "created_at", "fetch_count", "last_fetched_at")
    list_select_related = ("technician__user",)
    search_fields = ("technician__user__email", "technician__user__last_name")
    exclude = ("token_hash",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("technician__user")


@admin.register(VisitSeries)
class VisitSeriesAdmin(ReadOnlyAdmin):
    """Care plans with their visits inline. Each visit is changed on its booking's screen; "Cancel
    visits" cancels one visit or it and all later ones, as the patient can (`series.series_cancel`)."""

    list_display = ("reference", "user", "service", "service_area", "wall_time", "visit_count", "created_at")
    list_select_related = ("user", "service", "service_area")
    list_filter = ("service", "service_area", "repeat")
    search_fields = ("reference", "user__email", "user__last_name", "service_address")
    date_hierarchy = "created_at"
    readonly_fields = (
        "reference",
        "user",
        "service",
        "service_area",
        "service_address",
        "payment_method",
        "user_notes",
        "repeat",
        "interval_days",
        "weekdays",
        "wall_time",
        "visit_count",
        "price_per_visit",
        "later_dates",
        "unplaced_dates",
        "created_at",
        "back_office_actions",
    )
    fields = readonly_fields
    inlines = [SeriesVisitInline]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/cancel/", view(self.cancel_view), name="bookings_visitseries_cancel"),
            *super().get_urls(),
        ]

    @admin.display(description=_("actions"))
    def back_office_actions(self, obj):
        if obj.pk is None:
            return "-"
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("admin:bookings_visitseries_cancel", args=[obj.pk]),
            _("Cancel visits"),
        )

    def cancel_view(self, request, pk):
        plan = get_object_or_404(VisitSeries, pk=pk)
        if not self.has_view_permission(request, plan) or not request.user.has_perm("bookings.change_booking"):
            raise PermissionDenied
        active = plan.visits.filter(status__in=ACTIVE_STATUSES).order_by("scheduled_start")
        form = SeriesCancelForm(request.POST or None, visits=active)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                cancelled, _left = series.series_cancel(
                    booking=data["visit"],
                    actor=request.user,
                    reason=data["reason"],
                    later=data["scope"] == SeriesCancelForm.LATER,
                )
            except services.BookingError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, _("%(count)s visits cancelled.") % {"count": len(cancelled)})
                return redirect("admin:bookings_visitseries_change", plan.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": plan,
            "title": _("Cancel visits of %(plan)s") % {"plan": plan.reference},
            "form": form,
            "submit_label": _("Cancel visits"),
        }
        return TemplateResponse(request, "admin/bookings/visitseries/cancel_form.html", context)
