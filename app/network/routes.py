"""Whole-register network pages: the linked networks (connected components) of the register."""

from flask import render_template

from app.network import bp, services
from app.security import roles_required

NETWORK_READERS = ("supervisor", "analyst")


@bp.route("/linked")
@roles_required(*NETWORK_READERS)
def networks():
    summary = services.network_summary()
    return render_template("network/networks.html", summary=summary)
