"""Return addresses (`next`) stay on this site however they are written (issue 15, item 1)."""

import pytest

from app.web import safe_next


@pytest.mark.parametrize(
    "value",
    [
        "//evil.example/x",
        "https://evil.example/",
        "/\t/evil.example",
        "/%09/evil.example/phish",
        "/%2f/evil.example",
        "/%5c/evil.example",
        "/%0d%0a/x",
        "/\\evil.example",
        "evil.example",
        "/" + "a" * 600,
    ],
)
def test_an_off_site_or_disguised_address_is_refused(value):
    assert safe_next(value) is None


@pytest.mark.parametrize("value", ["/tasks/mine", "/persons/?q=Jo%20Ryan", "/targets?sort=-priority&page=2"])
def test_an_address_on_this_site_is_kept(value):
    assert safe_next(value) == value
