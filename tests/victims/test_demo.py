"""The demo data seeds victims' records through the victims' services, so the quick start shows a
victim page with a history, the Hub and feedback figures, and a new partner from intelligence."""

import re

import sqlalchemy as sa

from app.extensions import db
from app.offenders.models import PersonLink
from app.victims.contacts.models import ContactPreferences, VictimContact
from app.victims.dash.models import DashAssessment
from app.victims.feedback.models import VictimFeedback
from app.victims.hub.models import HubResponse
from app.victims.idva.models import IdvaReferral
from tests.factories import count


def test_the_demo_seeds_victims_records_once(runner, client, login, make_user):
    result = runner.invoke(args=["demo-data", "--scale", "0.2"])
    assert result.exit_code == 0, result.output
    line = re.search(r"Victims: (\d+) victim histories \(see (/victims/\S+)\)", result.output)
    assert line and int(line.group(1)) > 5, result.output
    for model in (DashAssessment, ContactPreferences, VictimContact, HubResponse, VictimFeedback, IdvaReferral):
        assert count(model) > 0, model.__name__
    assert db.session.scalar(sa.select(PersonLink.source)) == "intelligence_report"
    login(make_user("demo.sup", "supervisor"))
    page = client.get(line.group(2)).get_data(as_text=True)
    assert "DASH risk assessments" in page and "of 27" in page and 'id="contact-log"' in page
    assert "0 candidates" not in client.get("/persons/network/right-to-know").get_data(as_text=True)
    before = count(DashAssessment)
    again = runner.invoke(args=["demo-data", "--scale", "0.2"])
    assert "Victims' records: already held, none added." in again.output
    assert count(DashAssessment) == before
