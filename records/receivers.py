"""Thin receivers of the signals of the apps records is built on: each one calls a records selector."""

from django.template.loader import render_to_string

from records import selectors


def job_page_panel(sender, request, booking, **kwargs):
    """The patient's health records the technician may open, on the portal's job page."""
    patient_records = selectors.job_records(request.user, booking)
    return render_to_string("records/_job_records.html", {"booking": booking, "patient_records": patient_records})
