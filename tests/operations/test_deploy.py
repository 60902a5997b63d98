"""The files in deploy/ work: the systemd units verify, achilles-manage runs flask with the environment file,
and the nginx site proxies to gunicorn over TLS with a request id and no query string in its log.

systemd-analyze and nginx are not always installed: those tests are skipped without them (set NGINX_BIN to an
nginx binary to run the proxy test, e.g. one unpacked with `apt-get download nginx nginx-common`).
"""

import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.processes import REPO, child_env, free_port

DEPLOY = REPO / "deploy"
VENV = Path(sys.executable).parent.parent


def _localise(text: str, tmp_path: Path) -> str:
    """The unit files with this checkout's paths in place of /opt/achilles and /etc/achilles."""
    return (
        text.replace("/opt/achilles/.venv", str(VENV))
        .replace("/opt/achilles", str(REPO))
        .replace("/etc/achilles", str(tmp_path))
    )


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_systemd_units_verify(tmp_path):
    (tmp_path / "achilles.env").write_text("ACHILLES_ENV=production\n")
    units = []
    for unit in sorted((DEPLOY / "systemd").iterdir()):
        target = tmp_path / unit.name
        target.write_text(_localise(unit.read_text(), tmp_path))
        units.append(str(target))
    assert {Path(u).name for u in units} >= {"achilles-web.service", "achilles-scheduler.service"}
    done = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_achilles_manage_runs_flask_with_the_environment_file_and_the_owner_file(database, app, tmp_path):
    user = subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()
    (tmp_path / "achilles.env").write_text(
        f"# the service's settings\nACHILLES_ENV=testing\nDATABASE_URL=sqlite:///{tmp_path}/wrong.sqlite\n"
        "LOG_FORMAT='json'\n"
    )
    (tmp_path / "owner.env").write_text(f"DATABASE_URL={database.url}\n")
    env = {
        "PATH": os.environ["PATH"],
        "ACHILLES_HOME": str(REPO),
        "ACHILLES_VENV": str(VENV),
        "ACHILLES_CONFIG": str(tmp_path),
        "ACHILLES_USER": user,
    }
    manage = str(DEPLOY / "achilles-manage")
    done = subprocess.run([manage, "--owner", "db", "current"], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "(head)" in done.stdout  # it reached the test database, through owner.env
    usage = subprocess.run([manage], env=env, capture_output=True, text=True, check=False)
    assert usage.returncode == 2 and "usage" in usage.stderr


# Not NGINX: nginx itself reads that variable (inherited sockets).
NGINX = os.environ.get("NGINX_BIN") or shutil.which("nginx")


@pytest.mark.skipif(not NGINX or not shutil.which("openssl"), reason="nginx (or openssl) is not installed")
def test_the_nginx_site_proxies_over_tls_with_a_request_id_and_logs_no_query_string(database, app, tmp_path):
    http_port, https_port, app_port = free_port(), free_port(), free_port()
    key, cert = str(tmp_path / "key.pem"), str(tmp_path / "cert.pem")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            key,
            "-out",
            cert,
        ],
        capture_output=True,
        check=True,
    )
    site = (
        (DEPLOY / "nginx" / "achilles.conf")
        .read_text()
        .replace("listen 80;", f"listen 127.0.0.1:{http_port};")
        .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
        .replace("listen [::]:80;\n", "")
        .replace("listen [::]:443 ssl http2;\n", "")
        .replace("127.0.0.1:8000", f"127.0.0.1:{app_port}")
        .replace("/etc/ssl/achilles/fullchain.pem", str(tmp_path / "cert.pem"))
        .replace("/etc/ssl/achilles/privkey.pem", str(tmp_path / "key.pem"))
        .replace("/var/log/nginx", str(tmp_path))
    )
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n client_body_temp_path {tmp_path}; proxy_temp_path {tmp_path}; fastcgi_temp_path {tmp_path};\n"
        f" uwsgi_temp_path {tmp_path}; scgi_temp_path {tmp_path};\n"
        f" include {tmp_path}/site.conf;\n}}\n"
    )
    checked = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True
    )
    assert checked.returncode == 0, checked.stderr.decode()

    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py", "wsgi:create_app()"],
        cwd=REPO,
        env=child_env(
            database.url, GUNICORN_BIND=f"127.0.0.1:{app_port}", GUNICORN_WORKERS="1", TRUSTED_PROXY_COUNT="1"
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    proxy = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"])
    try:
        context = ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))
        context.check_hostname = False
        response = _get_when_up(f"https://127.0.0.1:{https_port}/login?next=%2Fpersons%2F%3Fq%3DKeskome", context)
        assert response.status == 200
        request_id = response.headers["X-Request-ID"]
        assert len(request_id) == 32  # nginx's $request_id, kept by the app
    finally:
        proxy.send_signal(signal.SIGQUIT)
        web.send_signal(signal.SIGTERM)
        proxy.wait(10)
        web.wait(20)
    access_log = (tmp_path / "achilles.access.log").read_text()
    assert f"id={request_id}" in access_log and "GET /login HTTP" in access_log
    assert "Keskome" not in access_log and "next=" not in access_log


def _get_when_up(url: str, context, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return urllib.request.urlopen(url, timeout=5, context=context)  # noqa: S310 (a local test server)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
