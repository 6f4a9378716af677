"""The one name rule (aftersales.names): Chinese family name first without a space, Latin names as written."""

import pytest
from django.contrib.auth import get_user_model
from django.template import Context, Template

from aftersales.names import is_cjk, person_name, user_display


@pytest.mark.parametrize(
    ("family", "given", "expected"),
    [
        ("王", "晓明", "王晓明"),  # CJK: family first, no space
        ("欧阳", "娜娜", "欧阳娜娜"),  # compound surname
        ("Schmidt", "Anna", "Anna Schmidt"),  # Latin: as written, given first
        ("van der Berg", "Jan", "Jan van der Berg"),
        ("王", "Anna", "王Anna"),  # mixed: a Chinese part makes it a Chinese name
        ("Wang", "晓明", "Wang晓明"),
        ("", "晓明", "晓明"),  # one part only
        ("王", "", "王"),
        ("", "", ""),
        (None, None, ""),
        ("  王 ", "\u3000晓明\t", "王晓明"),  # ideographic space and tabs trimmed
        (" Schmidt ", "  Anna   Maria ", "Anna Maria Schmidt"),  # inner runs collapse to one space
        ("   ", "   ", ""),
    ],
)
def test_person_name(family, given, expected):
    assert person_name(family, given) == expected


def test_is_cjk():
    assert is_cjk("王") and is_cjk("abc李") and is_cjk("김") and is_cjk("さくら")
    assert not is_cjk("Anna") and not is_cjk("") and not is_cjk("Zoë 123")


class _Bare:
    """A user-like object without a database."""

    def __init__(self, username, first_name="", last_name=""):
        self.username, self.first_name, self.last_name = username, first_name, last_name

    def get_username(self):
        return self.username


def test_user_display_falls_back_to_the_username():
    assert user_display(_Bare("agent2", "晓明", "王")) == "王晓明"
    assert user_display(_Bare("agent2", "  ", "")) == "agent2"
    assert user_display(_Bare("jdoe", "John", "Doe")) == "John Doe"
    assert user_display(None) == ""


def test_the_user_model_follows_the_rule():
    # given a Chinese and a Latin user (unsaved: the rule needs no database)
    User = get_user_model()
    li = User(username="manager", first_name="建国", last_name="李")
    anna = User(username="anna", first_name="Anna", last_name="Schmidt")
    nobody = User(username="agent9")
    # then Django's get_full_name, display_name and the template filter agree
    assert li.get_full_name() == "李建国"
    assert anna.get_full_name() == "Anna Schmidt"
    assert nobody.get_full_name() == ""
    assert (li.display_name, nobody.display_name) == ("李建国", "agent9")
    html = Template(
        "{% load portal %}{{ li|person }}|{{ nobody|person }}|{{ none|person }}|{{ li.get_full_name }}"
    ).render(Context({"li": li, "nobody": nobody, "none": None}))
    assert html == "李建国|agent9|—|李建国"
