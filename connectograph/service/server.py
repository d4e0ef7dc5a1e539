"""Run the service over https with uvicorn (``connectograph serve``)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path

import uvicorn

from ..errors import PortInUseError, ServiceError
from .app import create_app
from .audit import RedactQueryStrings
from .config import ServiceConfig
from .tls import ensure_certificate

#: Default port (neuPrintHTTP's default is 11000 too).
DEFAULT_PORT = 11000


def build_server(config: ServiceConfig, *, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
                 certfile: str | Path | None = None, keyfile: str | Path | None = None,
                 log_level: str = "warning") -> tuple[uvicorn.Server, Path]:
    """A uvicorn server for the service over TLS; returns it and the certificate used.

    Parameters
    ----------
    host : str
        Address to bind; loopback unless told otherwise.
    certfile, keyfile : path, optional
        A certificate of your own; default: the self-signed one of
        :func:`~connectograph.service.tls.ensure_certificate`.
    """
    if (certfile is None) != (keyfile is None):
        raise ServiceError("give both --certfile and --keyfile, or neither")
    if certfile is None:
        certfile, keyfile = ensure_certificate([host])
    app = create_app(config)
    uv_config = uvicorn.Config(app, host=host, port=port, ssl_certfile=str(certfile),
                               ssl_keyfile=str(keyfile), log_level=log_level,
                               timeout_graceful_shutdown=5)
    access = logging.getLogger("uvicorn.access")   # configured by uvicorn.Config
    if not any(isinstance(f, RedactQueryStrings) for f in access.filters):
        access.addFilter(RedactQueryStrings())
    return uvicorn.Server(uv_config), Path(certfile)


def _check_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as err:
            raise PortInUseError(f"cannot listen on {host}:{port} ({err.strerror}); choose "
                                 "another with --port") from None


def serve(config: ServiceConfig, *, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
          certfile: str | Path | None = None, keyfile: str | Path | None = None,
          echo=print, log_level: str = "info") -> None:
    """Run the service in the foreground until interrupted."""
    _check_port(host, port)
    server, cert = build_server(config, host=host, port=port, certfile=certfile,
                                keyfile=keyfile, log_level=log_level)
    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    echo(f"neuPrintHTTP-compatible service on https://{shown}:{port} (certificate {cert})")
    echo(f"  neuprint-python: Client('https://{shown}:{port}', dataset='NAME:TAG', "
         f"token=TOKEN, verify='{cert}')")
    server.run()


class BackgroundServer:
    """The service in a background thread (tests, notebooks).

    Use as a context manager; ``url`` is its address, ``certfile`` its certificate.
    """

    def __init__(self, config: ServiceConfig, *, host: str = "127.0.0.1", port: int,
                 certfile: str | Path | None = None, keyfile: str | Path | None = None):
        self.server, self.certfile = build_server(config, host=host, port=port,
                                                  certfile=certfile, keyfile=keyfile)
        self.url = f"https://localhost:{port}" if host == "127.0.0.1" else f"https://{host}:{port}"
        self._thread = threading.Thread(target=self.server.run, daemon=True,
                                        name="connectograph-service")

    def start(self, timeout: float = 30.0) -> "BackgroundServer":
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise ServiceError("the service did not start; see its log")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=15)

    def __enter__(self) -> "BackgroundServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
