"""The backtest page's form: as-of dates, horizon, model versions and list sizes (a GET form)."""

from wtforms import Form, StringField

from app.web import MultiCheckboxField


class BacktestForm(Form):
    """Read from the query string; the values are checked by app.ranking.backtest.services."""

    as_of = StringField("As of (up to 4 dates, YYYY-MM-DD, separated by commas)")
    horizon = StringField("Horizon (days after each date)", default="365")
    model = MultiCheckboxField("Scoring model versions")
    top = StringField("List sizes", default="25,50,100,250")

    def __init__(self, formdata, *, versions: dict[str, str]):
        super().__init__(formdata)
        self.model.choices = list(versions.items())
