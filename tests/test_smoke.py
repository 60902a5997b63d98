from tests.factories import make_person


def test_sign_in_and_home(client, make_user, login):
    user = make_user("ada", "officer")
    login(user)
    page = client.get("/")
    assert page.status_code == 200
    assert "Welcome" in page.get_data(as_text=True)


def test_person_profile(client, make_user, login):
    login(make_user("bob", "supervisor"))
    make_person("P1", surname="Examplesurname")
    assert client.get("/persons/P1").status_code == 200
