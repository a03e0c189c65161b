from django.contrib.auth.tokens import PasswordResetTokenGenerator


class EmailConfirmationTokenGenerator(PasswordResetTokenGenerator):
    """The token of the link that confirms a new account's e-mail address.

    It works for `PASSWORD_RESET_TIMEOUT` (an hour) and once: confirming activates the account,
    which changes the value the token is made from. A second sign-up with the address changes
    nothing of the account, so the first link keeps working.
    """

    key_salt = "accounts.tokens.EmailConfirmationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"


email_confirmation_token = EmailConfirmationTokenGenerator()
