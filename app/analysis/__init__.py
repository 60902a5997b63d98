"""Analysis: the perpetrator problem profile (harm concentration, repeat victims, offences by harm,
serial perpetrators by district, quarterly trends) for analysts, as a page, a print view and CSV."""

from flask import Blueprint

bp = Blueprint("analysis", __name__, url_prefix="/analysis")
