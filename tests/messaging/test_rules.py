"""A provider's status as ours, and message statuses only moving forward (pure rules)."""

from hypothesis import given
from hypothesis import strategies as st

from messaging import rules


@given(st.lists(st.sampled_from(sorted(rules.MESSAGE_RANK) + ["accepted", "sending", "answered"]), max_size=12))
def test_message_status_is_the_highest_seen(sequence):
    current = "pending"
    for status in sequence:
        mapped = rules.message_status(status)
        if rules.moves_forward(rules.MESSAGE_RANK, current, mapped):
            current = mapped
    assert rules.MESSAGE_RANK[current] == max([0, *(rules.MESSAGE_RANK[rules.message_status(s)] for s in sequence)])


def test_unknown_and_aliased_provider_statuses():
    # given Twilio's and other providers' words; when mapped; then our statuses
    assert rules.message_status("accepted") == "queued"
    assert rules.message_status("answered") == "in-progress"
    assert rules.message_status("read") == "delivered"
    assert rules.message_status("something-new") == "queued"
    assert rules.message_status("no-answer") == "no-answer"
