"""`connectograph token ...` and `connectograph serve` as a user runs them:
certificate made on first use in the connectograph home, tokens from the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import requests
from click.testing import CliRunner

from connectograph.cli import main


def test_token_commands(tmp_path, monkeypatch):
    monkeypatch.setenv("CONNECTOGRAPH_HOME", str(tmp_path))
    runner = CliRunner()
    created = runner.invoke(main, ["token", "create", "alice"])
    assert created.exit_code == 0, created.output
    token = created.output.split()[0]
    assert token.startswith("cgtok_")
    listed = runner.invoke(main, ["token", "list"])
    assert "alice" in listed.output and token not in listed.output
    assert token not in (tmp_path / "service" / "tokens.json").read_text()
    revoked = runner.invoke(main, ["token", "revoke", "alice"])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    again = runner.invoke(main, ["token", "revoke", "alice"])
    assert again.exit_code == 1 and "no token has id or name 'alice'" in again.output


@pytest.mark.neo4j
def test_serve_command_over_https(tmp_path, neo4j_connection, loaded):
    from connectograph import neo4j_server
    uri, (user, password) = neo4j_connection
    env = dict(os.environ, CONNECTOGRAPH_HOME=str(tmp_path), NEO4J_URI=uri,
               NEO4J_USERNAME=user, NEO4J_PASSWORD=password)
    cli = [sys.executable, "-m", "connectograph.cli"]
    token = subprocess.run(cli + ["token", "create", "cli-test"], env=env, check=True,
                           capture_output=True, text=True).stdout.split()[0]
    port = neo4j_server.free_port()
    proc = subprocess.Popen(cli + ["serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        cert = tmp_path / "service" / "tls" / "cert.pem"
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read()
            try:
                r = requests.get(f"https://localhost:{port}/api/dbmeta/datasets",
                                 headers={"Authorization": f"Bearer {token}"}, verify=str(cert))
                break
            except (requests.ConnectionError, OSError):
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.5)
        assert r.status_code == 200 and "hemibrain-mb:v1.2.1" in r.json()
        with pytest.raises(requests.exceptions.SSLError):     # self-signed: not trusted blindly
            requests.Session().get(f"https://localhost:{port}/api/version", verify=True)
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    assert f"https://localhost:{port}" in out and str(cert) in out
