from accounts.personal_data import PersonalData
from earnings.services import earning_create_for_booking


def create_earning(sender, booking, **kwargs):
    earning_create_for_booking(booking=booking)


def personal_data_requested(sender, user, **kwargs) -> PersonalData:
    return PersonalData(
        left_out={
            "earnings.technicianearnings": "The technician's pay for a visit; "
            "the patient's price and payment are in bookings.",
        }
    )
