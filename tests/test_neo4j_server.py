"""neo4j-admin from the installed server: arguments and error messages."""
from __future__ import annotations

import pytest

from connectograph.errors import Neo4jServerError
from connectograph.neo4j_server import run_admin
from connectograph.neo4j_server.settings import InstanceSettings, install_dir


def test_admin_errors_never_show_the_password(neo4j_connection, tmp_path, monkeypatch):
    # A password that neo4j-admin reads as an option fails; the message must
    # still not reveal it (the cause of an earlier CI failure: a generated
    # password starting with "-").
    installed = install_dir()
    monkeypatch.setenv("CONNECTOGRAPH_HOME", str(tmp_path))
    (tmp_path / installed.name).symlink_to(installed)
    settings = InstanceSettings(name="redaction")
    (settings.conf_dir).mkdir(parents=True)
    (settings.conf_dir / "neo4j.conf").write_text(settings.neo4j_conf())
    secret = "-Zq7secretValue"
    with pytest.raises(Neo4jServerError) as info:
        run_admin(["dbms", "set-initial-password", secret], settings,
                  secrets_in_args=(secret,))
    message = str(info.value)
    assert "Missing required parameter" in message
    assert secret not in message and "secretValue" not in message
    assert "set-initial-password ***" in message
