"""A messaging backend that refuses everything (test helper)."""

from messaging.api import PermanentSendError


class Backend:
    name = "failing"

    def send_sms(self, **kwargs):
        raise PermanentSendError("unsubscribed", code="21610")

    def place_call(self, **kwargs):
        raise PermanentSendError("unsubscribed", code="21610")

    def parse_status_callback(self, request):
        return None
