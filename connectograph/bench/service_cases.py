"""Query speed against neuprint-python, unmodified, through our neuPrintHTTP-compatible service.

For every case, ``ours`` is the connectograph call (the same function as the
bare-driver case of that name in :mod:`.queries`) and ``theirs`` is
neuprint-python's function of the same name asking the same question of
``connectograph serve``, which runs as a child process (its own interpreter,
as it is deployed) on a free port of the loopback interface, reading the
benchmark's Neo4j. The child gets a connectograph home of its own in a
temporary folder, holding the bearer token made for the run and a self-signed
certificate that neuprint-python trusts through ``verify=<cert.pem>``; the
user's home and tokens are not touched.

Phases as in :mod:`.queries`: **warm** (one client, one untimed run first) and
**cold** (server query caches cleared and a new client before each run,
untimed: for neuprint-python a new ``neuprint.Client``, i.e. a new HTTPS
session, whose constructor's own requests are not timed). The service keeps
its ``/api/cached/*`` summaries (ROI completeness and connectivity) between
requests, as neuPrintHTTP does, so those cases are cached in both phases.

A case neuprint-python fails on is reported with its error in the note; the
run goes on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import neo4j

from ..client import Client
from ..errors import BenchmarkError
from .queries import query_cases as bare_cases
from .queries import (baseline_cypher, measure_cold, neuprint_cypher, pick_parameters,
                      selected_cases)
from .report import SERVICE_BASELINE as BASELINE
from .timing import measure


@dataclass
class ServiceCase:
    """One comparison with neuprint-python.

    Attributes
    ----------
    name : str
        Case label; the same as the bare-driver case when the question is the same.
    function : str
        The fetch_* function measured.
    ours : callable(client, params) -> int
        Our function; returns the number of result rows compared.
    theirs : callable(neuprint_client, params) -> int
        neuprint-python's function; returns the same count.
    needs : tuple of str
        Parameters it needs.
    note : str
        What is compared when the answers differ on purpose.
    """

    name: str
    function: str
    ours: Callable[[Client, dict], int]
    theirs: Callable[[Any, dict], int]
    needs: tuple[str, ...] = ()
    note: str = ""


def _pairs(roi_conn) -> int:
    return len(roi_conn[["bodyId_pre", "bodyId_post"]].drop_duplicates())


def _cases() -> list[ServiceCase]:
    import neuprint as npr
    from neuprint import NeuronCriteria as NNC

    from ..criteria import NeuronCriteria as NC
    from ..fetch import fetch_custom, fetch_output_completeness

    def text_lines(c, p):
        return len(npr.fetch_roi_hierarchy(format="text", client=c).splitlines())

    theirs: dict[str, Callable[[Any, dict], int]] = {
        "fetch_neurons(type)":
            lambda c, p: len(npr.fetch_neurons(NNC(type=p["type"]), client=c)[0]),
        "fetch_neurons(inputRois)":
            lambda c, p: len(npr.fetch_neurons(NNC(inputRois=[p["roi"]]), client=c)[0]),
        "fetch_adjacencies(type, any)":
            lambda c, p: _pairs(npr.fetch_adjacencies(NNC(type=p["type"]), None, client=c)[1]),
        "fetch_simple_connections(type, any)":
            lambda c, p: len(npr.fetch_simple_connections(NNC(type=p["type"]), None, client=c)),
        "fetch_common_connectivity(type, upstream)":
            lambda c, p: len(npr.fetch_common_connectivity(NNC(type=p["type"]), "upstream",
                                                           client=c)),
        # neuprint-python needs a number of seconds (ours: None, no limit).
        "fetch_shortest_paths(2 hops)":
            lambda c, p: len(npr.fetch_shortest_paths(p["path_src"], p["path_dest"],
                                                      timeout=_PATH_TIMEOUT, client=c)),
        "fetch_paths(<= 2 hops)":
            lambda c, p: len(npr.fetch_paths(p["path_src"], p["path_dest"], max_path_length=2,
                                             timeout=_PATH_TIMEOUT, client=c)),
        "fetch_output_completeness(type)":
            lambda c, p: len(npr.fetch_output_completeness(NNC(type=p["type"]), client=c)),
        "fetch_downstream_orphan_tasks(type)":
            lambda c, p: len(npr.fetch_downstream_orphan_tasks(NNC(type=p["orphan_type"]),
                                                               client=c)),
        "fetch_traced_adjacencies()":
            lambda c, p: _pairs(npr.fetch_traced_adjacencies(client=c)[1]),
        "fetch_synapses(body)":
            lambda c, p: len(npr.fetch_synapses(NNC(bodyId=p["synapse_body"]), client=c)),
        "fetch_mean_synapses(body)":
            lambda c, p: len(npr.fetch_mean_synapses(NNC(bodyId=p["synapse_body"]), client=c)),
        "fetch_synapse_connections(body, any)":
            lambda c, p: len(npr.fetch_synapse_connections(NNC(bodyId=p["synapse_body"]), None,
                                                           client=c)),
        "fetch_roi_completeness()": lambda c, p: len(c.fetch_roi_completeness()),
        "fetch_roi_connectivity()": lambda c, p: len(c.fetch_roi_connectivity()),
        "fetch_roi_hierarchy()": text_lines,
        "fetch_skeleton(largest)": lambda c, p: len(c.fetch_skeleton(p["body"])),
        "fetch_custom_neurons(top 100 by pre)":
            lambda c, p: len(npr.fetch_custom_neurons(neuprint_cypher("custom_neurons_top_pre"),
                                                      client=c)[0]),
        "fetch_datasets()": lambda c, p: len(c.fetch_datasets(reload_cache=True)),
    }
    out = [ServiceCase(q.name, q.function, q.ours, theirs[q.name], q.needs)
           for q in bare_cases() if q.name in theirs]
    # neuprint-python leaves out neurons without traced output; ours keeps them
    # with traced_weight 0 (a bug fix): the rows compared are those with some.
    for case in out:
        if case.function == "fetch_output_completeness":
            case.ours = lambda c, p: int((fetch_output_completeness(
                NC(type=p["type"]), client=c)["traced_weight"] > 0).sum())
            case.note = ("rows compared: neurons with traced output (neuprint-python drops "
                         "the others; ours returns them with 0)")
    # fetch_custom: neuprint-python sends no parameters, so the question holds no values.
    out.append(ServiceCase(
        "fetch_custom(type counts)", "fetch_custom",
        lambda c, p: len(fetch_custom(baseline_cypher("custom_type_counts", str(c.dataset)),
                                      client=c)),
        lambda c, p: len(c.fetch_custom(neuprint_cypher("custom_type_counts")))))
    return out


#: Time limit given to neuprint-python's path searches, seconds.
_PATH_TIMEOUT = 600.0


def service_case_names() -> list[str]:
    """Names of every case compared with neuprint-python."""
    return [c.name for c in _cases()]


class ServiceProcess:
    """``connectograph serve`` in a child process with a home of its own.

    Use as a context manager; ``url``, ``token`` and ``certfile`` are what a
    neuprint-python client needs.

    Parameters
    ----------
    uri, auth
        The Neo4j the service reads (given to the child as ``NEO4J_URI``,
        ``NEO4J_USERNAME``, ``NEO4J_PASSWORD``).
    timeout : float
        Per-request query time limit of the service, seconds.
    max_rows : int
        Per-request row limit of the service.
    python : str
        Interpreter of the child.
    """

    def __init__(self, uri: str, auth: tuple[str, str], *, timeout: float = 600.0,
                 max_rows: int = 50_000_000, python: str = sys.executable):
        self.uri, self.auth = uri, auth
        self.timeout, self.max_rows, self.python = timeout, max_rows, python
        self._home: tempfile.TemporaryDirectory | None = None
        self._proc: subprocess.Popen | None = None
        self.url = self.token = self.certfile = None

    def start(self, wait: float = 60.0) -> "ServiceProcess":
        import requests

        from ..neo4j_server import free_port
        from ..service import TokenStore, ensure_certificate
        self._home = tempfile.TemporaryDirectory(prefix="connectograph-bench-service-")
        home = Path(self._home.name)
        self.token, _ = TokenStore(home / "service" / "tokens.json").create("bench")
        cert, key = ensure_certificate(directory=home / "service" / "tls")
        self.certfile = cert
        port = free_port()
        self.url = f"https://localhost:{port}"
        env = dict(os.environ, CONNECTOGRAPH_HOME=str(home), NEO4J_URI=self.uri,
                   NEO4J_USERNAME=self.auth[0], NEO4J_PASSWORD=self.auth[1])
        self._log = open(home / "serve.log", "w+")
        self._proc = subprocess.Popen(
            [self.python, "-c", "from connectograph.cli import main; main()", "serve",
             "--port", str(port), "--timeout", str(self.timeout), "--max-rows",
             str(self.max_rows), "--certfile", str(cert), "--keyfile", str(key)],
            env=env, stdout=self._log, stderr=subprocess.STDOUT)
        session = requests.Session()
        session.trust_env = False
        session.verify = str(cert)
        session.headers["Authorization"] = f"Bearer {self.token}"
        deadline = time.monotonic() + wait
        try:
            while True:
                if self._proc.poll() is not None:
                    raise BenchmarkError(f"connectograph serve exited:\n{self._read_log()}")
                try:
                    if session.get(f"{self.url}/api/dbmeta/version", timeout=5).ok:
                        return self
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise BenchmarkError(f"connectograph serve did not answer within {wait:.0f}"
                                         f" s:\n{self._read_log()}")
                time.sleep(0.2)
        except BaseException:
            self.stop()
            raise
        finally:
            session.close()

    def _read_log(self) -> str:
        self._log.seek(0)
        return self._log.read()[-3000:]

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None
        if self._home is not None:
            self._log.close()
            self._home.cleanup()
            self._home = None

    def client(self, dataset: str):
        """A new, unmodified ``neuprint.Client`` on the service."""
        import neuprint
        return neuprint.Client(self.url, dataset=dataset, token=self.token,
                               verify=str(self.certfile), progress=False)

    def __enter__(self) -> "ServiceProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _close_neuprint(c) -> None:
    c.session.close()


def run_service_queries(uri: str, auth: tuple[str, str], dataset: str, *, repeats: int = 5,
                        cold_repeats: int = 3, only: list[str] | None = None,
                        echo: Callable[[str], None] = lambda s: None) -> list[dict]:
    """Time every case on ``dataset``: ours and neuprint-python via the service,
    cold and warm.

    Returns
    -------
    list of dict
        One row per case and phase: ``case, function, phase, params,
        ours_min_s, ours_median_s, theirs_min_s, theirs_median_s, ratio_min,
        ratio_median`` (ours / theirs), ``runs, rows`` (ours), ``theirs_rows``,
        ``same_rows`` (the same number of rows), ``note``; a case
        neuprint-python fails on has ``phase`` ``-`` and the error in ``note``.

    Raises
    ------
    BenchmarkError
        The service did not start.
    """
    import neuprint
    rows: list[dict] = []
    driver = neo4j.GraphDatabase.driver(uri, auth=auth, notifications_min_severity="OFF")
    client = Client(uri, auth=auth, dataset=dataset)
    try:
        params = pick_parameters(driver, dataset)
        with ServiceProcess(uri, auth) as service:
            theirs_client = service.client(dataset)
            try:
                for case, used in selected_cases(_cases(), params, only, rows):
                    rows += _time_case(case, used, client, theirs_client, service, driver, uri,
                                       auth, dataset, repeats, cold_repeats, echo)
            finally:
                _close_neuprint(theirs_client)
                neuprint.clear_default_client()
    finally:
        client.close()
        driver.close()
    return rows


def _theirs(case: ServiceCase, c, used: dict) -> int:
    """neuprint-python's call with ``c`` as its default client too: some of its
    functions call others without passing ``client`` on, which fails once several
    clients exist (as in the cold phase)."""
    import neuprint
    neuprint.set_default_client(c)
    return case.theirs(c, used)


def _time_case(case, used, client, theirs_client, service, driver, uri, auth, dataset,
               repeats, cold_repeats, echo) -> list[dict]:
    def fresh_ours():
        driver.execute_query("CALL db.clearQueryCaches()")
        return Client(uri, auth=auth, dataset=dataset, check_dataset=False)

    def fresh_theirs():
        driver.execute_query("CALL db.clearQueryCaches()")
        return service.client(dataset)

    try:
        theirs_warm = measure(lambda: _theirs(case, theirs_client, used), repeats, warmup=True)
        theirs_cold = measure_cold(lambda c: _theirs(case, c, used), fresh_theirs,
                                   cold_repeats, close=_close_neuprint)
    except Exception as err:  # noqa: BLE001 - reported, the run goes on
        message = f"{type(err).__name__}: {err}".splitlines()[0][:300]
        echo(f"    {case.name:<32} neuprint-python failed: {message}")
        return [{"case": case.name, "function": case.function, "phase": "-",
                 "params": json.dumps(used), "note": f"neuprint-python failed: {message}"}]
    phases = {
        "warm": (measure(lambda: case.ours(client, used), repeats, warmup=True), theirs_warm),
        "cold": (measure_cold(lambda c: case.ours(c, used), fresh_ours, cold_repeats),
                 theirs_cold),
    }
    out = []
    for phase, (ours, theirs) in phases.items():
        same = ours.result == theirs.result
        out.append({
            "case": case.name, "function": case.function, "phase": phase,
            "params": json.dumps(used), "ours_min_s": ours.min, "ours_median_s": ours.median,
            "theirs_min_s": theirs.min, "theirs_median_s": theirs.median,
            "ratio_min": ours.min / theirs.min, "ratio_median": ours.median / theirs.median,
            "runs": len(ours.times), "rows": ours.result, "theirs_rows": theirs.result,
            "same_rows": same,
            "note": "; ".join(n for n in (case.note, "" if same else (
                f"row counts differ: ours {ours.result}, neuprint-python {theirs.result}"))
                if n)})
        echo(f"    {case.name:<32} {phase}: ours {ours.min * 1000:8.1f} ms, neuprint-python "
             f"{theirs.min * 1000:8.1f} ms, ratio {ours.min / theirs.min:5.2f} "
             f"({ours.result} rows{'' if same else ' MISMATCH'})")
    return out


def report_rows(dataset: str, qrows: list[dict], variant: str) -> list[dict]:
    """:func:`run_service_queries` rows as report rows (baseline :data:`BASELINE`)."""
    return [{"section": "queries", "dataset": dataset, "case": q["case"], "variant": variant,
             "phase": q.get("phase"), "ours_min_s": q.get("ours_min_s"),
             "ours_median_s": q.get("ours_median_s"), "baseline": BASELINE,
             "baseline_min_s": q.get("theirs_min_s"),
             "baseline_median_s": q.get("theirs_median_s"), "ratio_min": q.get("ratio_min"),
             "ratio_median": q.get("ratio_median"), "runs": q.get("runs"),
             "rows": q.get("rows"), "same_result": q.get("same_rows"),
             "extra": q.get("params"), "note": q.get("note", "")} for q in qrows]
