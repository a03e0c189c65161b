"""The load balancer's probes: `/healthz` never touches the database, `/readyz` asks it once."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse


def test_healthz_answers_without_the_database(client):
    # No django_db mark: any query, even opening a session, would fail this test.
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_asks_the_database_once(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(reverse("readyz"))

    assert response.status_code == 200
    assert response.content == b"ok\n"


@pytest.mark.django_db
def test_readyz_answers_503_when_the_database_does_not(client):
    with mock.patch("homecure.base.health.connection.cursor", side_effect=OperationalError("connection refused")):
        response = client.get(reverse("readyz"))

    assert response.status_code == 503
    assert response.content == b"database unavailable\n"


@pytest.mark.django_db
def test_probes_over_plain_http_are_not_redirected_to_https(settings):
    settings.SECURE_SSL_REDIRECT = True
    client = Client()

    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("readyz")).status_code == 200
    assert client.get(reverse("home")).status_code == 301


def test_probes_refuse_changes(client):
    assert client.post(reverse("healthz")).status_code == 405
