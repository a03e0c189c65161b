"""How the data download puts the apps' answers together (the answers themselves: records/tests/test_export.py)."""

import json
from datetime import UTC, datetime

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from accounts import personal_data
from accounts.personal_data import PersonalData, Section
from accounts.signals import personal_data_requested

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def reads():
    """An extra app's answer, first and last in the document; lists the sections as they are read."""
    read = []

    def reading(key, content):
        read.append(key)
        return content

    def answer(sender, user, **kwargs):
        return PersonalData(
            sections=(
                Section(key="last", position=1000, read=lambda: iter(reading("last", [{"id": 2}])), models={}),
                Section(
                    key="first", position=-1, read=lambda: reading("first", {"note": "Zoë"}), models={}, single=True
                ),
            ),
            left_out={"example.thing": "Not about the user."},
        )

    personal_data_requested.connect(answer, dispatch_uid="test.personal_data_requested")
    yield read
    personal_data_requested.disconnect(dispatch_uid="test.personal_data_requested")


def test_sections_come_in_the_order_of_their_position(patient, reads):
    document = personal_data.export_for(patient, now=NOW)

    keys = list(document)
    assert keys[:5] == ["format", "version", "exported_at", "first", "profile"]
    assert keys[-1] == "last"
    assert document["first"] == {"note": "Zoë"}
    assert document["last"] == [{"id": 2}]


def test_nothing_is_read_before_the_download_is_written(patient, reads):
    stream = personal_data.export_stream(patient, now=NOW)
    assert reads == []

    body = "".join(stream)

    assert reads == ["first", "last"]
    expected = personal_data.export_for(patient, now=NOW)
    assert body == json.dumps(expected, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def test_each_answer_is_gathered_with_what_it_leaves_out(patient, reads):
    left_out = {label for answer in personal_data.gather(patient) for label in answer.left_out}

    assert "example.thing" in left_out
