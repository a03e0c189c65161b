"""Checks for uploaded documents: what a file is comes from its bytes, never from its name.

A PDF starts with `%PDF-`; a JPEG or PNG must open and verify in Pillow as that format. Anything
else (an HTML page renamed `scan.pdf`, a script, a truncated image) is refused, so the download
view can serve the stored type with `nosniff` and know it is what it says.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from records.models import DOCUMENT_EXTENSIONS

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_DOCUMENTS_PER_UPLOAD = 10
ACCEPT = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"

PDF_MAGIC = b"%PDF-"
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}


def _image_type(upload: UploadedFile) -> str | None:
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    finally:
        upload.seek(0)
    return IMAGE_TYPES.get(image_format or "")


def detect_type(upload: UploadedFile) -> str | None:
    """The document's MIME type from its content: "application/pdf", "image/jpeg", "image/png" or None."""
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head == PDF_MAGIC:
        return "application/pdf"
    return _image_type(upload)


def check_upload(upload: UploadedFile) -> str:
    """The upload's content type, or ValidationError with a message that names the file."""
    name = clean_name(upload.name)
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            _("%(name)s is %(size)s; a document may be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(MAX_DOCUMENT_BYTES)},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": name}, code="empty")
    content_type = detect_type(upload)
    if content_type is None:
        raise ValidationError(
            _("%(name)s is not a PDF, JPEG or PNG file. Upload a PDF document or a JPEG or PNG picture.")
            % {"name": name},
            code="wrong_type",
        )
    return content_type


def clean_name(name: str | None) -> str:
    """The file's own name without folders or control characters, as shown to people (never as a path)."""
    base = PurePath((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return (base or _("document"))[:255]


def download_name(name: str | None, content_type: str) -> str:
    """The name a document is downloaded under: the stem of its original name, cleaned down to
    letters, digits, dots, dashes and underscores, and the extension of its checked type.

    `scan.hta`, `scan.pdf.exe` or `x.svg` holding a PDF all download as `scan.pdf`/`x.pdf`, so
    the browser and the operating system open the file as what it is, never as the uploader named it.
    """
    stem = PurePath(clean_name(name)).stem.split(".")[0]
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-_")[:100]
    return f"{stem or 'document'}{DOCUMENT_EXTENSIONS.get(content_type, '.bin')}"
