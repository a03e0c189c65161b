"""Joining from the "Work with us" page, the professional profile, and the photo kept private."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.models import UserRole
from accounts.tests.factories import PatientFactory, TechnicianUserFactory
from bookings.tests.factories import BookingFactory
from technicians.forms import PHOTO_STORED_SIDE
from technicians.models import Specialization, Technician
from technicians.tests.factories import ServiceAreaFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Harbour-lantern-42"


def join_data(**overrides):
    data = {
        "first_name": "Jana",
        "last_name": "Joiner",
        "email": "Jana.Joiner@example.com",
        "phone": "+44 7700 900123",
        "specialization": Specialization.PHYSIOTHERAPIST,
        "license_number": "hcpc-ph12345",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    return {**data, **overrides}


def image_file(name="face.jpg", image_format="JPEG", size=(1600, 1200), exif=None):
    buffer = io.BytesIO()
    options = {"exif": exif} if exif else {}
    Image.new("RGB", size, (200, 120, 80)).save(buffer, format=image_format, **options)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif"}[image_format]
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


def profile_data(area, **overrides):
    data = {
        "specialization": Specialization.NURSE,
        "license_number": "NMC-000001",
        "experience_years": "7",
        "service_areas": [str(area.pk)],
        "bio": "Community nurse.",
        "cert-TOTAL_FORMS": "2",
        "cert-INITIAL_FORMS": "0",
        "cert-MIN_NUM_FORMS": "0",
        "cert-MAX_NUM_FORMS": "1000",
        "cert-0-name": "Registered nurse",
        "cert-0-issuer": "Nursing and Midwifery Council",
        "cert-0-expiry": (timezone.localdate() + timedelta(days=400)).isoformat(),
    }
    return {**data, **overrides}


# --- Work with us ---------------------------------------------------------------------------------------------


def test_joining_creates_an_unverified_technician_and_logs_them_in(client):
    response = client.post(reverse("portal:join"), join_data(), follow=True)

    technician = Technician.objects.select_related("user").get()
    assert technician.user.email == "jana.joiner@example.com"
    assert technician.user.role == UserRole.TECHNICIAN
    assert technician.license_number == "HCPC-PH12345"
    assert technician.specialization == Specialization.PHYSIOTHERAPIST
    assert not technician.is_verified
    assert response.redirect_chain[-1][0] == reverse("portal:profile")
    assert response.context["user"] == technician.user
    assert "Waiting for verification" in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"license_number": "nmc-000001"}, "license_number", "A technician with this license number is already"),
        ({"email": "NURSE@example.com"}, "email", "An account with this e-mail address already exists."),
        ({"password2": "something-else-42"}, "password2", "The two password fields"),
        ({"phone": ""}, "phone", "This field is required."),
        ({"phone": "call me"}, "phone", "Enter a phone number"),
        ({"specialization": "surgeon"}, "specialization", "Select a valid choice."),
    ],
)
def test_joining_explains_bad_input_next_to_the_field(client, technician, overrides, field, message):
    response = client.post(reverse("portal:join"), join_data(**overrides))

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert Technician.objects.count() == 1


def test_logged_in_people_are_not_offered_to_join_again(technician_client):
    assert technician_client.get(reverse("portal:join")).url == reverse("accounts:after-login")


# --- Profile --------------------------------------------------------------------------------------------------


def test_profile_saves_certifications_areas_and_a_cleaned_photo(client, unverified_technician, area):
    second_area = ServiceAreaFactory(name="Islington")
    client.force_login(unverified_technician.user)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make, one of the tags a phone writes

    response = client.post(
        reverse("portal:profile"),
        {
            **profile_data(area, license_number="NMC-000777", service_areas=[str(area.pk), str(second_area.pk)]),
            "photo": image_file(exif=exif),
        },
        follow=True,
    )

    unverified_technician.refresh_from_db()
    assert "Your profile was saved." in [str(m) for m in response.context["messages"]]
    assert unverified_technician.license_number == "NMC-000777"
    assert unverified_technician.experience_years == 7
    assert set(unverified_technician.service_areas.all()) == {area, second_area}
    assert unverified_technician.certifications == [
        {
            "name": "Registered nurse",
            "issuer": "Nursing and Midwifery Council",
            "expiry": (timezone.localdate() + timedelta(days=400)).isoformat(),
        }
    ]
    stored = unverified_technician.profile_picture
    assert stored.name.startswith("technicians/photos/") and stored.name.endswith(".jpg")
    assert "face" not in stored.name
    with Image.open(stored.open("rb")) as saved:
        assert max(saved.size) == PHOTO_STORED_SIDE
        assert 0x010F not in saved.getexif()


def test_a_verified_technician_cannot_change_specialization_or_license(technician_client, technician, area):
    technician_client.post(
        reverse("portal:profile"),
        profile_data(area, specialization=Specialization.LAB_TECHNICIAN, license_number="FAKE-1", bio="Updated."),
    )

    technician.refresh_from_db()
    assert (technician.specialization, technician.license_number) == (Specialization.NURSE, "NMC-000001")
    assert technician.bio == "Updated."


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"cert-0-expiry": "2001-01-01"}, "This certification expired on 01 Jan 2001; list only current ones."),
        ({"cert-0-issuer": ""}, "This field is required."),
        ({"cert-0-expiry": "next year"}, "Enter a valid date."),
        ({"service_areas": []}, "Choose at least one area."),
        ({"experience_years": "99"}, "Ensure this value is less than or equal to 70."),
        ({"license_number": "nmc-000002"}, "A technician with this license number is already registered."),
    ],
)
def test_profile_errors_are_explained_and_nothing_is_saved(
    client, unverified_technician, other_technician, area, overrides, message
):
    client.force_login(unverified_technician.user)
    before = Technician.objects.values().get(pk=unverified_technician.pk)

    response = client.post(reverse("portal:profile"), profile_data(area, **overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Technician.objects.values().get(pk=unverified_technician.pk) == before


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("face.jpg", b"not an image at all", content_type="image/jpeg"), "Upload a valid image."),
        ("gif", "Upload a JPEG or PNG photo."),
        ("huge", "The photo is larger than 5 MB."),
        ("wide", "The photo is 9000 by 10 pixels; the most allowed is 8000 on either side."),
    ],
)
def test_photos_that_are_not_small_jpeg_or_png_images_are_refused(client, unverified_technician, area, upload, message):
    if upload == "gif":
        upload = image_file("face.gif", "GIF", size=(50, 50))
    elif upload == "wide":
        upload = image_file("face.png", "PNG", size=(9000, 10))
    elif upload == "huge":
        upload = SimpleUploadedFile("face.png", b"\x89PNG" + b"0" * (5 * 1024 * 1024), content_type="image/png")
    client.force_login(unverified_technician.user)

    response = client.post(reverse("portal:profile"), {**profile_data(area), "photo": upload})

    unverified_technician.refresh_from_db()
    assert message in response.content.decode()
    assert not unverified_technician.profile_picture


def test_an_invited_technician_creates_the_profile(client, area):
    invited = TechnicianUserFactory(email="invited@example.com")
    client.force_login(invited)

    client.post(reverse("portal:profile"), profile_data(area, license_number="NMC-123456"))

    technician = Technician.objects.get(user=invited)
    assert technician.license_number == "NMC-123456"
    assert not technician.is_verified


def test_patients_cannot_open_the_profile(patient_client):
    assert patient_client.get(reverse("portal:profile")).status_code == 403


# --- The photo, served only to those who may see it -----------------------------------------------------------


@pytest.fixture
def photographed(client, unverified_technician, area):
    client.force_login(unverified_technician.user)
    client.post(reverse("portal:profile"), {**profile_data(area), "photo": image_file("me.png", "PNG")})
    client.logout()
    unverified_technician.refresh_from_db()
    assert unverified_technician.profile_picture
    return unverified_technician


def test_the_photo_is_shown_to_the_technician_admins_and_their_patients(
    client, photographed, admin_user, patient, area
):
    BookingFactory(user=patient, technician=photographed, service_area=area)
    url = reverse("portal:photo", args=[photographed.pk])
    for viewer in (photographed.user, admin_user, patient):
        client.force_login(viewer)
        response = client.get(url)
        assert response.status_code == 200, viewer
        assert response["Content-Type"] == "image/png"
        assert response["Cache-Control"] == "private, max-age=3600"


def test_the_photo_is_hidden_from_everyone_else(client, photographed, other_technician):
    url = reverse("portal:photo", args=[photographed.pk])
    assert client.get(url).status_code == 404
    for stranger in (PatientFactory(), other_technician.user):
        client.force_login(stranger)
        assert client.get(url).status_code == 404


def test_a_new_photo_replaces_the_old_file(client, photographed, area, django_capture_on_commit_callbacks):
    old = photographed.profile_picture.name
    storage = photographed.profile_picture.storage
    assert storage.exists(old)
    client.force_login(photographed.user)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:profile"), {**profile_data(area), "photo": image_file()})

    photographed.refresh_from_db()
    assert photographed.profile_picture.name.endswith(".jpg")
    assert storage.exists(photographed.profile_picture.name)
    assert not storage.exists(old)


def test_removing_the_photo_deletes_the_file(client, photographed, area, django_capture_on_commit_callbacks):
    old = photographed.profile_picture.name
    storage = photographed.profile_picture.storage
    client.force_login(photographed.user)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:profile"), {**profile_data(area), "remove_photo": "on"})

    photographed.refresh_from_db()
    assert not photographed.profile_picture
    assert not storage.exists(old)
    assert client.get(reverse("portal:photo", args=[photographed.pk])).status_code == 404
