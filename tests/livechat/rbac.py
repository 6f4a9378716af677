"""The chat's URLs: all public (customers never sign in); the agent's side is the inquiry page and its socket."""

from tests.rbac_support import public


def _token():
    from tests.livechat.factories import make_chat

    return [make_chat().token]


CASES = [
    public("livechat:chat"),
    public("livechat:start", method="post", ok=400),  # an empty form: the errors, nothing stored
    public("livechat:send_code", method="post", ok=404),  # LIVECHAT_CONFIRM_MOBILE is off by default
    public("livechat:thanks"),
    public("livechat:window", args=_token),
]
