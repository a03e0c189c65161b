"""The accounts app's answer to `personal_data_requested`: the user's profile."""

from functools import partial

from accounts.models import User
from accounts.personal_data import PersonalData, Row, Section, fields_of, json_value


def _profile(user: User) -> Row:
    data = fields_of(user, ("id", "email", "first_name", "last_name", "phone", "address", "role"))
    data.update(
        area=user.area.name if user.area_id else None,
        date_joined=json_value(user.date_joined),
        last_login=json_value(user.last_login),
    )
    return data


def personal_data_requested(sender, user, **kwargs) -> PersonalData:
    return PersonalData(
        sections=(
            Section(
                key="profile",
                position=0,
                read=partial(_profile, user),
                models={"accounts.user": "profile"},
                single=True,
            ),
        ),
        left_out={
            # Credentials, like the password: the secret of an authenticator app and the recovery
            # codes are never handed out again once set up (and only staff have them).
            "otp_totp.totpdevice": "The two-factor log-in's secret key: a credential, never shown again.",
            "otp_static.staticdevice": "The two-factor log-in's recovery codes: credentials, shown once.",
        },
    )
