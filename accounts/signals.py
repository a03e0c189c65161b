"""Domain signals of the accounts app, sent by `accounts.services` after the change.

Other apps listen to them, so that accounts never has to import the apps built on top of it.
"""

from django.dispatch import Signal

#: The owner of a signed-up account (patient or technician) opened the e-mailed link: the account
#: is active from now on. Sent once per account, inside the confirmation's transaction, with
#: `sender=User` and the keyword argument `user`. A receiver may refuse the confirmation by
#: raising ValidationError (the technicians app, when the sign-up's licence was claimed meanwhile):
#: nothing is confirmed and the page shows its message.
email_confirmed = Signal()

#: A user asked for everything HomeCure holds about them (`accounts.personal_data`). Sent when
#: the download is written, with `sender=User` and the keyword argument `user`. Each app answers
#: for its own models, and only those, with an `accounts.personal_data.PersonalData`: the sections
#: of the document it writes (read only as they are sent) and the models it leaves out, each with
#: the reason.
personal_data_requested = Signal()
