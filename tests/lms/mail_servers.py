"""Mail backends for the outbox tests: real backends, with a mail server that refuses."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend


class FlakyMailServer(EmailBackend):
    """Django's in-memory backend behind a mail server that refuses the next
    ``refusals`` messages (``SMTPServerDisconnected``, as smtplib raises it), then accepts."""

    refusals = 0

    def send_messages(self, messages):
        if FlakyMailServer.refusals:
            FlakyMailServer.refusals -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)
