import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.tests.factories import PatientFactory, TechnicianUserFactory
from records.models import (
    AccessKind,
    AccessReason,
    HealthDocument,
    HealthRecord,
    RecordAccess,
    RecordAmendment,
    RecordType,
)

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


class HealthRecordFactory(DjangoModelFactory):
    """A check-up record; given a `booking`, it belongs to that visit's patient and technician."""

    class Meta:
        model = HealthRecord

    booking = None
    user = factory.Maybe(
        "booking",
        yes_declaration=factory.SelfAttribute("booking.user"),
        no_declaration=factory.SubFactory(PatientFactory),
    )
    record_type = RecordType.CHECKUP
    record_date = factory.LazyFunction(timezone.localdate)
    diagnosis = "No acute findings."
    treatment = "Advice on hydration and rest."
    provider_name = factory.LazyAttribute(lambda o: str(o.created_by) if o.created_by else "HomeCure nurse")
    created_by = factory.LazyAttribute(
        lambda o: o.booking.technician.user if o.booking is not None and o.booking.technician_id else None
    )


class HealthDocumentFactory(DjangoModelFactory):
    class Meta:
        model = HealthDocument

    record = factory.SubFactory(HealthRecordFactory)
    original_name = "lab-results.pdf"
    file = factory.LazyAttribute(lambda o: ContentFile(PDF_BYTES, name=o.original_name))
    content_type = "application/pdf"
    size = len(PDF_BYTES)
    uploaded_by = factory.SelfAttribute("record.created_by")


class RecordAccessFactory(DjangoModelFactory):
    """A read of a record by the technician who wrote it."""

    class Meta:
        model = RecordAccess

    record = factory.SubFactory(HealthRecordFactory)
    reader = factory.SubFactory(TechnicianUserFactory)
    reader_name = factory.LazyAttribute(lambda o: o.reader.get_full_name())
    reason = AccessReason.AUTHOR
    kind = AccessKind.VIEW
    ip_address = "203.0.113.7"
    user_agent = "Mozilla/5.0 (Test)"


class RecordAmendmentFactory(DjangoModelFactory):
    class Meta:
        model = RecordAmendment

    record = factory.SubFactory(HealthRecordFactory)
    amended_by = factory.SubFactory(TechnicianUserFactory)
    amended_by_name = factory.LazyAttribute(lambda o: o.amended_by.get_full_name())
    reason = "Typo in the diagnosis"
    previous_values = factory.LazyAttribute(lambda o: {"diagnosis": "No acute findngs."})
    new_values = factory.LazyAttribute(lambda o: {"diagnosis": o.record.diagnosis})
