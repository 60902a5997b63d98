"""Tasking: tasks with owners, deferrals and outcomes; tasking meetings with plans; outcome figures."""

from flask import Blueprint

bp = Blueprint("tasking", __name__)
