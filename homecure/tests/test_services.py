"""The site-wide writes: contact messages handled or reopened; each is audited by its service, so
a shell leaves the same entry as the back office."""

from datetime import UTC, datetime

import pytest

from homecure.base.services import contact_mark_handled, contact_reopen
from homecure.models import AdminLog
from homecure.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

NOON = datetime(2027, 6, 16, 12, 0, tzinfo=UTC)


def test_marking_a_message_handled_outside_a_request_writes_the_entry_with_the_actor(admin_user):
    message = ContactFactory(subject="Visit on Sunday?", email="sam@example.com")

    contact_mark_handled(message=message, actor=admin_user, now=NOON)
    contact_mark_handled(message=message, actor=admin_user)

    message.refresh_from_db()
    assert (message.is_handled, message.handled_at) == (True, NOON)
    entry = AdminLog.objects.get()
    assert (entry.action, entry.admin_user, entry.ip_address) == ("contact_handled", admin_user, None)
    assert (entry.entity_type, entry.entity_id) == ("homecure.contact", str(message.pk))
    assert entry.previous_values == {"is_handled": False, "handled_at": None}
    assert entry.new_values == {"is_handled": True, "handled_at": NOON.isoformat()}
    assert entry.description == "Marked the contact message “Visit on Sunday? (sam@example.com)” handled."


def test_reopening_a_message_outside_a_request_writes_the_entry_with_the_actor(admin_user):
    message = ContactFactory(is_handled=True, handled_at=NOON)

    contact_reopen(message=message, actor=admin_user)
    contact_reopen(message=message, actor=admin_user)

    message.refresh_from_db()
    assert (message.is_handled, message.handled_at) == (False, None)
    entry = AdminLog.objects.get()
    assert (entry.action, entry.admin_user, entry.entity_id) == ("contact_reopened", admin_user, str(message.pk))
    assert entry.previous_values == {"is_handled": True, "handled_at": NOON.isoformat()}
