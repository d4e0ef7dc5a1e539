"""Unit tests (no server): points in results, token scopes, request limits,
the audit log and its redaction, and the token CLI's scope option."""

from __future__ import annotations

import logging
import stat

import pyarrow as pa
import pytest
from click.testing import CliRunner
from neo4j.spatial import CartesianPoint

from connectograph.cli import main
from connectograph.errors import RateLimitedError, ServiceError
from connectograph.service import TokenStore
from connectograph.service.audit import AuditLog, RedactQueryStrings
from connectograph.service.request_limits import RequestLimiter
from connectograph.service.results import arrow_body, to_json_value
from connectograph.service.tokens import anonymous_reader, parse_patterns


def test_a_point_is_a_point_map_not_a_list():
    """neo4j's Point subclasses tuple; it must not come out as a plain list,
    alone, inside a list or inside a map (node properties)."""
    p = CartesianPoint((1.0, 2.0, 3.0))
    want = {"coordinates": [1.0, 2.0, 3.0], "type": "Point"}
    for got in (to_json_value(p), to_json_value([p])[0], to_json_value({"soma": p})["soma"]):
        assert {k: got[k] for k in want} == want
        assert got["crs"]["srid"] == 9157 and got["crs"]["name"] == "cartesian-3d"
    table = pa.ipc.open_stream(arrow_body(["soma"], [[to_json_value(p)], [None]])).read_all()
    cells = table.column("soma").to_pylist()
    assert cells[0]["coordinates"] == [1.0, 2.0, 3.0] and cells[1] is None


def test_token_scopes_match_name_and_tag(tmp_path):
    store = TokenStore(tmp_path / "tokens.json")
    token, info = store.create("lab", parse_patterns("hemibrain-mb:*, witvliet2021:d8"))
    assert info.datasets == ["hemibrain-mb:*", "witvliet2021:d8"]
    read = TokenStore(tmp_path / "tokens.json").verify(token)      # stored and read back
    assert read.allows("hemibrain-mb:v1.2.1") and read.allows("witvliet2021:d8")
    assert not read.allows("witvliet2021:d1") and not read.allows("hemibrain-mbx:v1")
    everything, info_all = store.create("admin")
    assert info_all.datasets is None and store.verify(everything).allows("any:thing")
    assert parse_patterns(None) is None and parse_patterns(" ") is None
    with pytest.raises(ServiceError, match="has no tag"):
        parse_patterns("hemibrain-mb")
    anon = anonymous_reader(["public:*"])
    assert anon.anonymous and not read.anonymous and anon.allows("public:v1")


def test_tokens_made_before_scopes_read_everything(tmp_path):
    (tmp_path / "tokens.json").write_text(
        '{"tokens": [{"id": "abc", "name": "old", "created": "2024-01-01T00:00:00+00:00", '
        '"sha256": "' + "0" * 64 + '"}]}')
    (old,) = TokenStore(tmp_path / "tokens.json").list()
    assert old.datasets is None and old.allows("hemibrain-mb:v1.2.1")


def test_concurrency_limit_per_key():
    limiter = RequestLimiter(max_concurrent=2, rate=None)
    with limiter.acquire("a"), limiter.acquire("a"):
        with pytest.raises(RateLimitedError, match="2 are already running for 'a'"):
            with limiter.acquire("a"):
                pass
        with limiter.acquire("b"):          # another token is not held back
            pass
    with limiter.acquire("a"):              # slots come back when requests end
        pass


def test_rate_limit_per_key():
    limiter = RequestLimiter(max_concurrent=10, rate="3/minute")
    for _ in range(3):
        with limiter.acquire("a"):
            pass
    with pytest.raises(RateLimitedError, match=r"more than 3/minute.*retry in \d+ s"):
        with limiter.acquire("a"):
            pass
    with limiter.acquire("b"):
        pass
    with pytest.raises(ServiceError, match="is not a rate"):
        RequestLimiter(rate="fast")
    with pytest.raises(ServiceError, match="at least 1"):
        RequestLimiter(max_concurrent=0)


def test_audit_log_rotates_and_never_holds_a_token(tmp_path):
    path = tmp_path / "audit" / "audit.log"
    audit = AuditLog(path, max_bytes=2_000, backups=2)
    secret = "cgtok_" + "x" * 43
    for i in range(60):
        audit.refusal(status=403, token_name="alice", dataset="other:v1", method="POST",
                      path="/api/custom/custom", reason=f"refused {i} (sent {secret})")
    audit.close()
    files = sorted(path.parent.iterdir())
    assert [f.name for f in files] == ["audit.log", "audit.log.1", "audit.log.2"]
    assert all(f.stat().st_size <= 2_000 for f in files)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = "".join(f.read_text() for f in files)
    assert secret not in text and "cgtok_" not in text
    last = path.read_text().splitlines()[-1]
    assert "status=403 token=alice dataset=other:v1" in last and "refused 59" in last


def test_access_log_filter_blanks_tokens_in_urls():
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5", "GET", "/api/version?token=abc123&x=1", "1.1",
                                400), None)
    RedactQueryStrings().filter(record)
    assert "abc123" not in record.getMessage() and "x=1" in record.getMessage()


def test_token_create_says_its_scope(tmp_path, monkeypatch):
    monkeypatch.setenv("CONNECTOGRAPH_HOME", str(tmp_path))
    runner = CliRunner()
    scoped = runner.invoke(main, ["token", "create", "bob", "--datasets", "hemibrain-mb:*"])
    assert scoped.exit_code == 0, scoped.output
    assert "It reads: hemibrain-mb:*" in scoped.output
    default = runner.invoke(main, ["token", "create", "carol"])
    assert "It reads ALL datasets" in default.output
    listed = runner.invoke(main, ["token", "list"]).output
    assert "bob  [hemibrain-mb:*]" in listed and "carol  [all datasets]" in listed
    bad = runner.invoke(main, ["token", "create", "dan", "--datasets", "nocolon"])
    assert bad.exit_code == 1 and "has no tag" in bad.output
