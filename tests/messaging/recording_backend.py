"""A messaging backend that records what it is handed and posts several reports per callback (test helper).

It stands for a template-based domestic provider: it receives the template code and parameters, answers
callbacks with its own JSON, and accepts only callbacks carrying its token.
"""

import json

from django.http import JsonResponse

from messaging.api import SendResult, StatusUpdate
from messaging.backends.base import BaseBackend

SENT: list[dict] = []


class Backend(BaseBackend):
    name = "recording"
    supports_voice = False

    def send_sms(self, *, to, body, status_callback="", template_code="", params=None):
        SENT.append({"to": to, "body": body, "template_code": template_code, "params": params})
        return SendResult(provider_id=f"RB{len(SENT)}", status="accepted", price="0.045", price_unit="CNY")

    def parse_status_reports(self, request):
        if request.headers.get("X-Token") != "secret":
            return None
        return [
            StatusUpdate(provider_id=r["id"], status=r["status"], error_code=r.get("err", ""))
            for r in json.loads(request.body)
        ]

    def callback_response(self, *, updates):
        return JsonResponse({"code": 0, "msg": "成功", "count": len(updates)})
