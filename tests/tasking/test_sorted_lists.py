"""Long lists worked out in memory sort by the column the user chooses and come in pages: the
hidden-harm list (served by victims since issue 13, at the same address) and the Right-to-Know
candidates, through app.web.ListPage."""

from datetime import timedelta

from werkzeug.datastructures import MultiDict

from app.base import local_today
from app.web import ListPage
from tests.factories import make_event, make_person

TODAY = local_today()


def test_a_list_page_sorts_either_way_and_pages(app):
    rows = [{"name": n, "size": s} for n, s in (("b", 2), ("a", 3), ("c", 1))]
    keys = {"name": lambda r: r["name"], "size": lambda r: r["size"]}
    with app.test_request_context():
        asc = ListPage(rows, keys=keys, per_page=2, args=MultiDict({"sort": "name"}))
        assert [r["name"] for r in asc.rows] == ["a", "b"] and (asc.page, asc.pages, asc.total) == (1, 2, 3)
        assert asc.aria_sort("name") == "ascending" and asc.sort_args("name")["order"] == "desc"
        desc = ListPage(rows, keys=keys, per_page=2, args=MultiDict({"sort": "size", "order": "desc", "page": "2"}))
        assert [r["name"] for r in desc.rows] == ["c"]
        assert desc.page_args(1) == {"sort": "size", "order": "desc", "page": 1}
        # An unknown column or page leaves the list's own order and the first page.
        plain = ListPage(rows, keys=keys, per_page=2, args=MultiDict({"sort": "evil", "page": "x"}))
        assert [r["name"] for r in plain.rows] == ["b", "a"] and plain.page == 1 and plain.sort is None


def test_hidden_harm_sorts_by_name(client, login, make_user):
    login(make_user("sgt.reyes", "supervisor", team="North PDA"))
    for surname in ("Zed", "Abel", "Moss"):
        victim = make_person(f"V{surname}", surname=surname, forenames="Jo")
        for n in range(2):  # two suspects each: a repeat victim
            make_event(make_person(f"S{surname}{n}"), victim, TODAY - timedelta(days=10 + n))
    page = client.get("/hidden-harm?sort=name").get_data(as_text=True)
    order = [page.index(f"Jo {s.upper()}") for s in ("Abel", "Moss", "Zed")]
    assert order == sorted(order)
    assert 'aria-sort="ascending"' in page
    page = client.get("/hidden-harm?sort=name&order=desc").get_data(as_text=True)
    order = [page.index(f"Jo {s.upper()}") for s in ("Zed", "Moss", "Abel")]
    assert order == sorted(order)
