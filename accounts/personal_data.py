"""A user's own copy of everything HomeCure holds about them, as one JSON document.

The accounts app writes the document but knows nothing of the apps built on top of it: it sends
`accounts.signals.personal_data_requested`, and each app answers for its own models with a
`PersonalData` (as pretix's apps answer for their data with data shredders). The sections are put
in the order of their `position`, which is part of the document's format.

`export_stream` writes the document piece by piece as the rows are read, a chunk of rows at a time,
so the download starts at once and the server never holds a busy patient's hundreds of visits and
thousands of notifications at once; `export_for` is the same document as a dict.

Every model that points at a user (directly, or through a booking or a health record) is either
exported in a section (`Section.models`: model label -> where its rows are in the document) or
left out by its app with the reason it says nothing about the patient (`PersonalData.left_out`).
The export test walks all models and fails on one that is in neither, so a new model cannot be
forgotten.

Left out on purpose: credentials and codes that open something (password hash, check-in token and
code, the QR image, form tokens), and the stored documents' bytes (their names, types and sizes are
listed; each file downloads from the record page).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from operator import attrgetter
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from accounts.models import User
from accounts.signals import personal_data_requested

FORMAT = "homecure-my-data"
VERSION = 1

#: Rows read from the database at a time (and, for bookings and records, prefetched with them).
CHUNK_SIZE = 250
#: Characters of JSON collected before they are sent on.
WRITE_SIZE = 64 * 1024

Row = dict[str, Any]


@dataclass(frozen=True)
class Section:
    """One entry of the document, read only when it is written.

    `read` returns the rows (dicts), or the one dict of a `single` section. `position` places the
    section in the document, lowest first. `models` maps the label of each model whose rows the
    section holds to where they are in the document ("*" steps into each item of a list).
    """

    key: str
    position: int
    read: Callable[[], Iterable[Row] | Row]
    models: Mapping[str, str]
    single: bool = False


@dataclass(frozen=True)
class PersonalData:
    """An app's answer to `personal_data_requested`: its sections of the document, and its models
    that point at a user but are left out, each with the reason (model label -> why)."""

    sections: tuple[Section, ...] = ()
    left_out: Mapping[str, str] = field(default_factory=dict)


def json_value(value: Any) -> Any:
    """`value` as the document writes it: times in the platform's zone, amounts as exact strings."""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def fields_of(obj, names: tuple[str, ...]) -> Row:
    return {name: json_value(getattr(obj, name)) for name in names}


def gather(user: User) -> list[PersonalData]:
    """Every app's answer for `user`."""
    return [answer for _receiver, answer in personal_data_requested.send(sender=User, user=user)]


def _sections(user: User) -> list[Section]:
    return sorted((section for answer in gather(user) for section in answer.sections), key=attrgetter("position"))


def _head(now: datetime | None) -> Row:
    return {"format": FORMAT, "version": VERSION, "exported_at": json_value(now or timezone.now())}


def export_for(user: User, *, now: datetime | None = None) -> Row:
    """Everything about `user` as a JSON-ready dict."""
    document = _head(now)
    for section in _sections(user):
        content = section.read()
        document[section.key] = content if section.single else list(content)
    return document


_ENCODER = DjangoJSONEncoder(ensure_ascii=False, indent=2)


def _json(value: Any, depth: int) -> str:
    """`value` as JSON indented to sit `depth` levels deep (JSON text has no newline of its own)."""
    return _ENCODER.encode(value).replace("\n", "\n" + "  " * depth)


def _pieces(user: User, now: datetime | None) -> Iterator[str]:
    """The text of `json.dumps(export_for(user), indent=2, ensure_ascii=False)`, a row at a time."""
    yield "{"
    separator = "\n  "
    for key, value in _head(now).items():
        yield f"{separator}{_json(key, 1)}: {_json(value, 1)}"
        separator = ",\n  "
    for section in _sections(user):
        if section.single:
            yield f"{separator}{_json(section.key, 1)}: {_json(section.read(), 1)}"
            continue
        yield f"{separator}{_json(section.key, 1)}: "
        opening = "["
        for row in section.read():
            yield f"{opening}\n    {_json(row, 2)}"
            opening = ","
        yield "[]" if opening == "[" else "\n  ]"
    yield "\n}"


def _gathered(pieces: Iterable[str], size: int) -> Iterator[str]:
    """The pieces joined into strings of about `size` characters: fewer, larger writes."""
    waiting, length = [], 0
    for piece in pieces:
        waiting.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(waiting)
            waiting, length = [], 0
    if waiting:
        yield "".join(waiting)


def export_stream(user: User, *, now: datetime | None = None) -> Iterator[str]:
    """The document of `export_for` as JSON text in pieces, reading the rows as it goes."""
    return _gathered(_pieces(user, now), WRITE_SIZE)
