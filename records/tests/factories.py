import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.tests.factories import PatientFactory
from records.models import HealthDocument, HealthRecord, RecordType

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
