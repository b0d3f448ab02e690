"""Closed networks (LGWAN): code under test may open connections only to this machine and to
the test's own services (the configured PostgreSQL, Redis and live server).

``ClosedNetwork.install`` patches ``socket.socket.connect``/``connect_ex`` (which
``socket.create_connection``, urllib, requests/urllib3, redis-py and asyncio all go through)
and ``socket.getaddrinfo`` (name look-ups). Any other host fails the test at once, with the
host and port in the message, from the thread that tried; the failure is raised as pytest's
own outcome (not an ``OSError``), so code that catches network errors cannot hide it, and an
attempt that was hidden anyway (a bare ``except``, a server thread) fails the test at teardown.
"""

import ipaddress
import os
import socket
from urllib.parse import urlsplit

import pytest

REAL_CONNECT = socket.socket.connect
REAL_CONNECT_EX = socket.socket.connect_ex
REAL_GETADDRINFO = socket.getaddrinfo
LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def _host(address) -> str | None:
    """The host of a URL ("redis://db:6379/0"), of "host:port" or of a bare host name."""
    value = str(address or "")
    host = urlsplit(value if "://" in value else f"//{value}").hostname
    return host.lower() if host else None


def configured_service_hosts(settings) -> set[str]:
    """Hosts of the services the test run is configured with (database, broker, cache, live
    server); loopback is always allowed."""
    hosts = {_host(database.get("HOST")) for database in settings.DATABASES.values()}
    hosts.add(_host(settings.CELERY_BROKER_URL))
    for cache in settings.CACHES.values():
        locations = cache.get("LOCATION", "")
        for location in [locations] if isinstance(locations, str) else locations:
            hosts.add(_host(location))
    hosts.add(_host(os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost")))
    hosts.add(socket.gethostname().lower())
    return {host for host in hosts if host}


def _ip(host: str):
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


class ClosedNetwork:
    def __init__(self, allowed_hosts):
        self.names = {host.lower() for host in allowed_hosts} | LOCAL_NAMES
        self.addresses = {str(ip) for host in self.names if (ip := _ip(host))}
        self.attempts: list[str] = []

    def allows(self, host) -> bool:
        if host is None:
            return True
        host = host.decode() if isinstance(host, bytes) else str(host)
        ip = _ip(host)
        if ip is None:
            return host.lower().rstrip(".") in self.names
        return ip.is_loopback or ip.is_unspecified or str(ip) in self.addresses

    def refuse(self, host, port):
        attempt = f"{host}:{port}"
        self.attempts.append(attempt)
        pytest.fail(
            f"Closed network: the code under test tried to reach {attempt}. Shinka must never "
            "make a request to another host (LGWAN); only loopback and the test's own services "
            f"({', '.join(sorted(self.names))}) may be reached."
        )

    def install(self, monkeypatch) -> "ClosedNetwork":
        guard = self

        def connect(sock, address):
            guard._check(sock, address)
            return REAL_CONNECT(sock, address)

        def connect_ex(sock, address):
            guard._check(sock, address)
            return REAL_CONNECT_EX(sock, address)

        def getaddrinfo(host, port, *args, **kwargs):
            if not guard.allows(host):
                guard.refuse(host, port)
            results = REAL_GETADDRINFO(host, port, *args, **kwargs)
            # Addresses of an allowed name (a database host called "db") are allowed too.
            guard.addresses.update(str(ip) for result in results if (ip := _ip(str(result[4][0]))))
            return results

        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        return self

    def _check(self, sock, address) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
            if not self.allows(address[0]):
                self.refuse(address[0], address[1])


def unnoticed_attempts_fail_the_test(guard: ClosedNetwork, request) -> None:
    """At teardown: attempts that no failure has named yet (caught by the code, or made in a
    server or worker thread while the test failed or passed for another reason) fail it."""
    reported = "".join(
        report.longreprtext
        for report in (getattr(request.node, f"rep_{when}", None) for when in ("setup", "call"))
        if report is not None and report.failed
    )
    unnoticed = [attempt for attempt in guard.attempts if attempt not in reported]
    if unnoticed:
        pytest.fail(
            "Closed network: the code under test tried to reach "
            f"{', '.join(unnoticed)} (the error was caught or raised in another thread)."
        )
