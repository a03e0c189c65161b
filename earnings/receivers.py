from earnings.services import earning_create_for_booking


def create_earning(sender, booking, **kwargs):
    earning_create_for_booking(booking=booking)
