"""The composition layer's receivers: the audit log's part of a user's data download (the base,
which owns the log, may not import accounts, which declares the signal).

Connected by `BackOfficeAdminConfig.ready()`.
"""

from collections.abc import Iterator
from functools import partial

from accounts.models import User
from accounts.personal_data import CHUNK_SIZE, PersonalData, Row, Section, fields_of
from homecure.models import AdminLog

# --- the user's data download ---------------------------------------------------------------


def _activity_log(user: User) -> Iterator[Row]:
    names = ("id", "action", "entity_type", "entity_id", "description", "ip_address", "created_at")
    entries = AdminLog.objects.filter(admin_user=user).order_by("created_at", "pk")
    return (fields_of(entry, names) for entry in entries.iterator(chunk_size=CHUNK_SIZE))


def personal_data_requested(sender, user, **kwargs) -> PersonalData:
    """What the user did, from the audit log; Django's own admin log is left out."""
    return PersonalData(
        sections=(
            Section(
                key="activity_log",
                position=70,
                read=partial(_activity_log, user),
                models={"homecure.adminlog": "activity_log"},
            ),
        ),
        left_out={
            "admin.logentry": "Django's own back-office change list of staff users; patients cannot use the back "
            "office. Back-office changes to the patient's data are in the audit log.",
        },
    )
