"""The network picture in headless Chromium, on a 390-px phone and a 1280-px screen: every label is
horizontal, inside the picture, clear of the others and readable; the picture fits the phone on
request; the linked-networks page leads to it."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from app.base import today
from tests.browser import serious_accessibility_violations, sign_in
from tests.factories import compute_network_findings, make_event, make_person

pytestmark = pytest.mark.browser

LONG_FORENAMES = ["Abbie Louise", "Christabel Maryanne", "Jo", "Bartholomew", "Anne-Marie Josephine"]
LONG_SURNAMES = ["Grendorro-Masterton", "Ap Llewellyn-Fairweather", "Oh", "Quenell-Yorvedale"]


def _family():
    """A hub with 12 partners and relatives, two of whose victims have later partners who are
    perpetrators too: 30 persons, most with long names."""
    n = iter(range(1, 100))

    def person():
        i = next(n)
        return make_person(
            f"BN{i:02d}",
            forenames=LONG_FORENAMES[i % len(LONG_FORENAMES)],
            surname=LONG_SURNAMES[i % len(LONG_SURNAMES)],
        )

    hub = person()
    victims = []
    for k in range(12):
        victim = person()
        victims.append(victim)
        make_event(hub, victim, today() - timedelta(days=900 - 60 * k), offence="abh" if k % 3 == 0 else "harassment")
    for victim in victims[:4]:
        later = person()
        make_event(later, victim, today() - timedelta(days=40))
        for _ in range(3):
            make_event(later, person(), today() - timedelta(days=20))
    return hub


LABELS_JS = """() => {
  const svg = document.querySelector('#network-picture');
  const box = svg.getBoundingClientRect();
  const labels = [...svg.querySelectorAll('text.net-label')].map(t => {
    const r = t.getBoundingClientRect();
    return {text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom,
            transform: t.getAttribute('transform'), turned: t.getScreenCTM().b !== 0 || t.getScreenCTM().c !== 0};
  });
  return {box: {left: box.left, right: box.right, top: box.top, bottom: box.bottom},
          labels, scale: svg.getScreenCTM().a, viewport: window.innerWidth};
}"""


def _check_labels(found: dict, where: str, expected: int) -> None:
    box, labels = found["box"], found["labels"]
    assert len(labels) == expected, where  # everyone drawn has a label
    for label in labels:
        assert label["transform"] is None, f"{where}: a rotated label {label['text']}"
        assert not label["turned"], f"{where}: {label['text']} is not horizontal"
        inside = (
            label["left"] >= box["left"] - 0.5
            and label["right"] <= box["right"] + 0.5
            and label["top"] >= box["top"] - 0.5
            and label["bottom"] <= box["bottom"] + 0.5
        )
        assert inside, f"{where}: the label {label['text']!r} is cut at the edge of the picture"
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            apart = (
                a["right"] <= b["left"] or b["right"] <= a["left"] or a["bottom"] <= b["top"] or b["bottom"] <= a["top"]
            )
            assert apart, f"{where}: the labels {a['text']!r} and {b['text']!r} overlap"


@pytest.mark.parametrize("width", [390, 1280])
def test_no_label_is_cut_or_hidden_on_a_phone_or_a_screen(page: Page, live_server, make_user, width):
    make_user("sian", "supervisor")
    hub = _family()
    compute_network_findings()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, "sian")
    # The whole network (29 persons), and the profile's two steps (the hub, 12 partners, 4 later partners).
    for path, expected in ((f"/persons/network/of/{hub.ref}", 29), (f"/persons/{hub.ref}", 17)):
        page.goto(live_server + path)
        expect(page.locator("#network-picture")).to_be_visible()
        found = page.evaluate(LABELS_JS)
        _check_labels(found, f"{path} at {width} px", expected)
        assert found["scale"] * 12 >= 9.5, f"{path} at {width} px: labels drawn at {found['scale'] * 12:.1f} px"
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} at {width} px: the page is {overflow}px wider than the screen"
        if width == 390:
            page.get_by_label("Fit the whole picture on the screen").check()
            fitted = page.evaluate(LABELS_JS)
            _check_labels(fitted, f"{path} fitted at 390 px", expected)
            assert fitted["box"]["right"] <= 390 and fitted["box"]["left"] >= 0
        else:
            assert found["box"]["right"] <= width
    assert serious_accessibility_violations(page) == []


def test_the_full_name_of_a_shortened_label_is_in_its_tooltip_and_the_table(page: Page, live_server, make_user):
    make_user("sian", "supervisor")
    hub = _family()
    compute_network_findings()
    sign_in(page, live_server, "sian")
    page.goto(live_server + f"/persons/network/of/{hub.ref}")
    link = page.locator('#network-picture a[data-ref="BN05"]')
    assert "…" in link.locator("text").text_content()
    assert "Abbie Louise AP LLEWELLYN-FAIRWEATHER" in link.locator("title").text_content()
    expect(page.locator("#network-table")).to_contain_text("Abbie Louise AP LLEWELLYN-FAIRWEATHER")


def test_the_linked_networks_page_leads_to_the_picture_and_the_period_filters_it(page: Page, live_server, make_user):
    make_user("ana", "analyst")
    hub = _family()
    compute_network_findings()
    sign_in(page, live_server, "ana")
    page.goto(live_server + "/persons/network/linked")
    expect(page.locator("#findings-computed")).to_contain_text("Findings computed on")
    assert serious_accessibility_violations(page) == []
    page.locator("#largest-networks a").first.click()
    expect(page.get_by_role("heading", name=f"Linked network of {hub.full_name}")).to_be_visible()
    expect(page.locator("#network-picture a.net-link")).to_have_count(28)  # everyone but the hub
    page.get_by_label("DA events in").select_option("12")
    page.get_by_role("button", name="Show").click()
    # Only the hub's three partners of the last 12 months are still joined to him in that period.
    expect(page.locator("#network-picture a.net-link")).to_have_count(3)
    assert serious_accessibility_violations(page) == []
