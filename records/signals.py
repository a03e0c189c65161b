"""Domain signals of the records app.

Each is sent by `records.services` after the record is saved, inside the same transaction: a
receiver that writes rows (notifications) commits or rolls back with the record. Receivers that
leave the database (e-mail) must use `transaction.on_commit` and must never carry health data,
only a link.

Every signal is sent with `sender=HealthRecord` and these keyword arguments:
    record    the HealthRecord
    actor     the User who wrote it (technician or administrator)
"""

from django.dispatch import Signal

#: A health record was written for a patient (the patient is `record.user`).
health_record_added = Signal()

#: A record was saved with vitals outside the usual adult bands. Extra argument: `flags`, a list
#: of dicts with `vital` (key), `label`, `value`, `unit` and `reason` (human-readable, translated).
#: Sent on creation, and on an amendment only for vitals it newly flags (`flags` then lists those).
vital_flagged = Signal()
