"""Check-in tokens and their QR codes.

The token is 192 random bits (`secrets.token_urlsafe(24)`), far past guessing. The QR image is
made once, when the booking is confirmed, and kept base64-encoded in `Booking.qr_code` as the
seed has it: the patient's page then shows it without re-rendering a PNG on every view, and the
image stays the same however often it is downloaded.
"""

import base64
import io
import secrets

import qrcode
from django.conf import settings
from django.urls import reverse


def new_token() -> str:
    return secrets.token_urlsafe(24)


def checkin_url(token: str) -> str:
    return settings.SITE_URL + reverse("portal:check-in", kwargs={"token": token})


def qr_png_base64(token: str) -> str:
    image = qrcode.make(checkin_url(token), box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")
