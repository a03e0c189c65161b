"""Reads and helpers of two-factor log-in (django-otp): a user's devices, new secrets, the enrolment QR.

A user has at most one authenticator app (a confirmed `TOTPDevice`) and one set of recovery codes
(a `StaticDevice` whose tokens are the codes; each is deleted when used). The services in
`accounts.services` write them; nothing here changes the database.
"""

import base64
import io
from base64 import b32encode
from binascii import unhexlify
from urllib.parse import quote, urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from accounts.models import User

#: Session key of the secret shown on the enrolment page until a code confirms it: no device row
#: exists before then, so opening the page writes nothing.
PENDING_SECRET_KEY = "_second_factor_pending_secret"  # noqa: S105  (a session key's name)
#: Session key of the recovery codes made a moment ago, shown once by the next page and dropped.
NEW_CODES_KEY = "_second_factor_new_codes"
#: How many recovery codes an enrolment (or a new set) gives.
RECOVERY_CODE_COUNT = 10


def authenticator_of(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def recovery_codes_left(user: User) -> int:
    """How many unused recovery codes the user has."""
    return sum(device.token_set.count() for device in StaticDevice.objects.filter(user=user, confirmed=True))


def has_second_factor(user: User) -> bool:
    return authenticator_of(user) is not None


def new_secret() -> str:
    """A fresh TOTP secret: 20 random bytes, hex-encoded as django-otp stores it."""
    return random_hex(20)


def secret_as_text(key_hex: str) -> str:
    """The secret as authenticator apps take it when typed (base32), in groups of four."""
    text = b32encode(unhexlify(key_hex)).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def config_url(user: User, key_hex: str) -> str:
    """The otpauth:// address the QR code carries (django-otp's TOTPDevice.config_url, for a
    secret that has no device row yet)."""
    issuer = settings.OTP_TOTP_ISSUER.replace(":", "")
    label = quote(f"{issuer}:{user.email}")
    params = urlencode({"secret": b32encode(unhexlify(key_hex)), "algorithm": "SHA1", "digits": 6, "period": 30})
    return f"otpauth://totp/{label}?{params}&issuer={quote(issuer)}"


def qr_data_uri(text: str) -> str:
    """The QR code of `text` as an inline SVG image (`data:` URI): drawn here, no script, no other site."""
    buffer = io.BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2).save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def clean_code(code: str) -> str:
    """A typed code without spaces or dashes, lower-case (recovery codes are stored lower-case)."""
    return "".join(code.split()).replace("-", "").lower()
