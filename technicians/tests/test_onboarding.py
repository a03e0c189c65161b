"""Joining from the "Work with us" page (confirmed by an e-mailed link, answering the same whether
or not the address has an account), the professional profile, and the photo kept private."""

import io
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageFile

from accounts.models import User, UserRole
from accounts.tests.factories import PatientFactory, ServiceAreaFactory, TechnicianUserFactory
from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from notifications.models import Notification
from technicians.forms import PHOTO_STORED_SIDE, TechnicianSignUpForm
from technicians.models import Specialization, Technician
from technicians.tests.factories import TechnicianFactory

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


def confirmation_link(email):
    """The path of the confirmation link in the last e-mail sent to `email`."""
    (message,) = [m for m in mail.outbox if m.to == [email]][-1:]
    return re.search(re.escape(settings.SITE_URL) + r"(/accounts/signup/confirm/\S+)", message.body).group(1)


def without_csrf_token(response):
    return re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1", response.content.decode())


def admin_heard_of_new_technicians(admin):
    return Notification.objects.filter(user=admin, action_url__startswith="/admin/technicians/technician/").count()


def test_joining_opens_an_inactive_technician_account_and_emails_a_confirmation_link(client, admin_user):
    response = client.post(reverse("portal:join"), join_data())

    assert response.status_code == 302
    assert response.url == reverse("accounts:signup-sent")
    technician = Technician.objects.select_related("user").get()
    user = technician.user
    assert (user.email, user.role, user.first_name, user.phone) == (
        "jana.joiner@example.com",
        UserRole.TECHNICIAN,
        "Jana",
        "+44 7700 900123",
    )
    assert user.check_password(PASSWORD)
    assert not user.is_active
    assert (technician.license_number, technician.specialization) == ("HCPC-PH12345", Specialization.PHYSIOTHERAPIST)
    assert not technician.is_verified
    assert SESSION_KEY not in client.session
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["jana.joiner@example.com"], "Confirm your e-mail address for HomeCure")
    ]
    assert admin_heard_of_new_technicians(admin_user) == 0
    assert "Check your e-mail" in client.get(response.url).content.decode()


def test_the_confirmation_link_asks_first_then_activates_and_the_log_in_opens_the_profile(client):
    client.post(reverse("portal:join"), join_data())
    link = confirmation_link("jana.joiner@example.com")

    page = client.get(link)
    assert "Confirm my address" in page.content.decode()
    assert not User.objects.get().is_active

    response = client.post(link, follow=True)

    user = User.objects.get()
    assert user.is_active
    assert SESSION_KEY not in client.session
    assert response.redirect_chain == [(f"{reverse('accounts:login')}?next=%2Fportal%2Fprofile%2F", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Your address is confirmed. Log in with your password, then complete your profile: "
        "the office verifies it before you get visits."
    ]
    logged_in = client.post(
        response.redirect_chain[0][0], {"username": "jana.joiner@example.com", "password": PASSWORD}, follow=True
    )
    assert client.session[SESSION_KEY] == str(user.pk)
    assert logged_in.redirect_chain == [(reverse("portal:profile"), 302)]
    assert "Waiting for verification" in logged_in.content.decode()


def test_a_used_confirmation_link_does_nothing_the_second_time(client, admin_user):
    client.post(reverse("portal:join"), join_data())
    link = confirmation_link("jana.joiner@example.com")
    client.post(link)
    client.post(reverse("accounts:logout"))

    again = client.post(link)

    assert again.status_code == 200
    assert "This link does not work" in again.content.decode()
    assert SESSION_KEY not in client.session
    assert admin_heard_of_new_technicians(admin_user) == 1


def test_admins_are_asked_to_verify_only_once_the_address_is_confirmed(
    client, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:join"), join_data())
    assert admin_heard_of_new_technicians(admin_user) == 0
    assert [m.to for m in mail.outbox] == [["jana.joiner@example.com"]]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirmation_link("jana.joiner@example.com"))

    technician = Technician.objects.get()
    notification = Notification.objects.get(user=admin_user)
    assert notification.action_url == reverse("admin:technicians_technician_change", args=[technician.pk])
    assert "Jana Joiner (Physiotherapist) signed up and waits for verification." in notification.message
    assert [m.to for m in mail.outbox][1:] == [[admin_user.email]]


@pytest.mark.parametrize("owner", ["patient", "technician"])
def test_joining_with_a_taken_address_answers_as_for_a_new_one_and_tells_the_owner(request, client, owner):
    owner = request.getfixturevalue(owner)
    owner = getattr(owner, "user", owner)
    before = User.objects.values().get(pk=owner.pk)
    new = Client().post(reverse("portal:join"), join_data(email="someone.new@example.com"), follow=True)
    mail.outbox.clear()

    taken = client.post(
        reverse("portal:join"), join_data(email=owner.email.upper(), license_number="NEW-LICENCE-1"), follow=True
    )

    assert taken.redirect_chain == new.redirect_chain == [(reverse("accounts:signup-sent"), 302)]
    assert without_csrf_token(taken) == without_csrf_token(new)
    assert "already" not in taken.content.decode()
    assert User.objects.values().get(pk=owner.pk) == before
    assert User.objects.count() == User.objects.filter(email__in=[owner.email, "someone.new@example.com"]).count()
    assert not Technician.objects.filter(license_number="NEW-LICENCE-1").exists()
    assert SESSION_KEY not in client.session
    (message,) = mail.outbox
    assert (message.to, message.subject) == ([owner.email], "You already have a HomeCure account")
    assert "/accounts/password/reset/" in message.body


def test_joining_again_before_confirming_changes_nothing_and_sends_the_first_link_again(client):
    client.post(reverse("portal:join"), join_data())
    first_link = confirmation_link("jana.joiner@example.com")
    before = (User.objects.values().get(), Technician.objects.values().get())

    Client().post(
        reverse("portal:join"),
        join_data(
            first_name="Mallory",
            specialization=Specialization.NURSE,
            license_number="NMC-777777",
            password1="new-orchard-77",
            password2="new-orchard-77",
        ),
    )

    assert (User.objects.values().get(), Technician.objects.values().get()) == before
    assert [m.to for m in mail.outbox] == [["jana.joiner@example.com"]] * 2
    assert "signed up to HomeCure again" in mail.outbox[1].body
    client.post(first_link)
    technician = Technician.objects.select_related("user").get()
    assert (technician.user.is_active, technician.user.first_name) == (True, "Jana")
    assert technician.user.check_password(PASSWORD)
    assert not technician.user.check_password("new-orchard-77")
    assert (technician.specialization, technician.license_number) == (Specialization.PHYSIOTHERAPIST, "HCPC-PH12345")


def test_joining_again_with_the_same_licence_before_confirming_is_not_refused(client):
    client.post(reverse("portal:join"), join_data())

    response = client.post(reverse("portal:join"), join_data(first_name="Janet"))

    assert response.url == reverse("accounts:signup-sent")
    assert Technician.objects.select_related("user").get().user.first_name == "Jana"


def test_joining_does_not_replace_an_unconfirmed_patient_sign_up(client):
    client.post(
        reverse("accounts:signup"),
        {**join_data(), "address": "", "area": ""},
    )

    client.post(reverse("portal:join"), join_data(password1="new-orchard-77", password2="new-orchard-77"))
    client.post(confirmation_link("jana.joiner@example.com"))

    user = User.objects.get()
    assert (user.role, user.is_active) == (UserRole.PATIENT, True)
    assert user.check_password(PASSWORD)
    assert not Technician.objects.exists()


def test_a_patient_sign_up_does_not_replace_an_unconfirmed_technician_one(client):
    client.post(reverse("portal:join"), join_data())

    client.post(reverse("accounts:signup"), {**join_data(), "address": "", "area": ""})

    technician = Technician.objects.select_related("user").get()
    assert (technician.user.role, technician.user.is_active) == (UserRole.TECHNICIAN, False)
    assert User.objects.count() == 1


def test_an_unconfirmed_patient_the_office_booked_for_is_kept_as_an_account_in_use(client, service, area):
    pending = PatientFactory(email="jana.joiner@example.com", is_active=False, awaiting_confirmation=True)
    booking = BookingFactory(user=pending, service=service, service_area=area)

    response = client.post(reverse("portal:join"), join_data())

    assert response.url == reverse("accounts:signup-sent")
    assert User.objects.get(pk=pending.pk).role == UserRole.PATIENT
    assert Booking.objects.get(pk=booking.pk).user == pending
    assert not Technician.objects.exists()
    # Its owner gets its link again, to confirm the account the office booked for.
    assert mail.outbox[0].subject == "Confirm your e-mail address for HomeCure"


def test_an_address_taken_by_another_sign_up_meanwhile_answers_as_usual(client, monkeypatch):
    is_valid = TechnicianSignUpForm.is_valid

    def other_sign_up_commits_after_the_checks(form):
        valid = is_valid(form)
        PatientFactory(email="jana.joiner@example.com")
        return valid

    monkeypatch.setattr(TechnicianSignUpForm, "is_valid", other_sign_up_commits_after_the_checks)

    response = client.post(reverse("portal:join"), join_data())

    assert response.url == reverse("accounts:signup-sent")
    assert User.objects.get().role == UserRole.PATIENT
    assert not Technician.objects.exists()


def test_a_licence_claimed_meanwhile_is_explained_at_confirmation_and_nothing_is_confirmed(client):
    client.post(reverse("portal:join"), join_data())
    # While Jana's link waits, a technician with the same licence number confirms first.
    TechnicianFactory(license_number="HCPC-PH12345")

    response = client.post(confirmation_link("jana.joiner@example.com"))

    assert response.status_code == 409
    assert "has registered license number HCPC-PH12345 since you signed up" in response.content.decode()
    jana = Technician.objects.select_related("user").get(user__email="jana.joiner@example.com")
    assert (jana.user.is_active, jana.user.awaiting_confirmation, jana.holds_license) == (False, True, False)


def test_an_unconfirmed_sign_up_holds_no_licence(client, admin_user):
    # Someone types a real nurse's licence with an address nobody will confirm.
    client.post(reverse("portal:join"), join_data(email="squatter@example.com"))

    response = Client().post(reverse("portal:join"), join_data())
    Client().post(confirmation_link("jana.joiner@example.com"))

    assert response.url == reverse("accounts:signup-sent")
    jana = Technician.objects.select_related("user").get(user__email="jana.joiner@example.com")
    assert (jana.user.is_active, jana.license_number, jana.holds_license) == (True, "HCPC-PH12345", True)
    assert admin_heard_of_new_technicians(admin_user) == 1
    squatter = Technician.objects.get(user__email="squatter@example.com")
    assert squatter.holds_license is False
    assert Client().post(confirmation_link("squatter@example.com")).status_code == 409


def test_a_technician_takes_a_licence_only_an_unconfirmed_sign_up_typed(client, unverified_technician, area):
    client.post(reverse("portal:join"), join_data(license_number="NMC-000777"))
    owner = Client()
    owner.force_login(unverified_technician.user)

    owner.post(reverse("portal:profile"), profile_data(area, license_number="NMC-000777"))

    unverified_technician.refresh_from_db()
    assert unverified_technician.license_number == "NMC-000777"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"license_number": "nmc-000001"}, "license_number", "A technician with this license number is already"),
        (
            {"email": "nurse@example.com", "license_number": "nmc-000001"},
            "license_number",
            "A technician with this license number is already",
        ),
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
    assert list(response.context["form"].errors) == [field]
    assert Technician.objects.count() == 1
    assert mail.outbox == []


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
        ({"cert-0-expiry": "2001-01-01"}, "This certification expired on 1 Jan 2001; list only current ones."),
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


def test_a_small_file_claiming_a_huge_picture_is_refused_before_it_is_decoded(
    client, unverified_technician, area, monkeypatch
):
    buffer = io.BytesIO()
    Image.new("1", (8000, 8000)).save(buffer, format="PNG", optimize=True)
    assert len(buffer.getvalue()) < 100 * 1024  # 64 megapixels in a few kilobytes
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda image: decoded.append(image.size))
    client.force_login(unverified_technician.user)

    response = client.post(
        reverse("portal:profile"),
        {**profile_data(area), "photo": SimpleUploadedFile("face.png", buffer.getvalue(), content_type="image/png")},
    )

    assert response.status_code == 200
    assert "The photo has more than 25 megapixels. Please choose a smaller one." in response.content.decode()
    assert decoded == []
    unverified_technician.refresh_from_db()
    assert not unverified_technician.profile_picture


def test_pillow_refuses_pictures_past_the_same_limit_whoever_opens_them(settings):
    assert Image.MAX_IMAGE_PIXELS == settings.IMAGE_MAX_PIXELS == 25_000_000
