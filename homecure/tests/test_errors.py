from bookings.services import BookingError, SlotTaken
from earnings.services import PayoutError
from homecure.base.errors import ServiceError
from records.services import RecordError


def test_every_app_error_is_a_service_error_with_a_message_and_a_code():
    for error_class in (BookingError, RecordError, PayoutError):
        error = error_class("Not now.", code="wrong_state")

        assert isinstance(error, ServiceError)
        assert (str(error), error.message, error.code) == ("Not now.", "Not now.", "wrong_state")


def test_a_subclass_names_its_default_code():
    assert ServiceError("Not now.").code == "invalid"
    assert SlotTaken("Taken.").code == "slot_taken"
