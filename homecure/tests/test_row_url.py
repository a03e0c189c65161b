"""`row_url` + `fill` give exactly what `{% url %}` gives, reversed once for a whole list."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch

ROW = Template(
    "{% load homecure_tags %}{% row_url name as row %}{% for value in values %}{{ row|fill:value }} {% endfor %}"
)
URL = Template("{% for value in values %}{% url name value %} {% endfor %}")


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("bookings:detail", ["HC-ABC123", "HC 7é?#%"]),
        ("portal:job", ["HC000001"]),
        ("notifications:open", [1, 987654321]),
    ],
)
def test_row_urls_are_the_urls(name, values):
    context = {"name": name, "values": values}

    assert ROW.render(Context(context)) == URL.render(Context(context))


def test_a_url_without_one_argument_is_refused():
    with pytest.raises(NoReverseMatch):
        Template("{% load homecure_tags %}{% row_url 'home' as row %}").render(Context())
