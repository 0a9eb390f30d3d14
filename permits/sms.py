"""A small pluggable SMS layer, configured by `settings.SMS_BACKEND`.

`ConsoleSmsBackend` prints messages (development), `MemorySmsBackend` keeps them in
`permits.sms.outbox` (tests). A real gateway is a class with the same `send` method.
"""

import sys
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SmsMessage:
    to: str
    text: str


#: Messages "sent" by MemorySmsBackend, oldest first.
outbox: list[SmsMessage] = []


class BaseSmsBackend:
    def send(self, message: SmsMessage) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, message: SmsMessage) -> None:
        self.stream.write(f"SMS to {message.to}:\n{message.text}\n{'-' * 40}\n")
        self.stream.flush()


class MemorySmsBackend(BaseSmsBackend):
    def send(self, message: SmsMessage) -> None:
        outbox.append(message)


def get_sms_backend() -> BaseSmsBackend:
    return import_string(getattr(settings, "SMS_BACKEND", "permits.sms.ConsoleSmsBackend"))()


def send_sms(to: str, text: str) -> None:
    get_sms_backend().send(SmsMessage(to=to, text=text))
