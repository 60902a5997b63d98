"""Entry point for `flask --app wsgi` and gunicorn (`gunicorn 'wsgi:create_app()'`)."""

from app import create_app

__all__ = ["create_app"]
