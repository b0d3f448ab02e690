"""Closed networks (LGWAN): the suite's guard fails any test whose code reaches another host,
and the video block asks no other host anything (no oEmbed)."""

import socket
from http import HTTPStatus

import pytest
from django.conf import settings
from wagtail.blocks import StructBlockValidationError
from wagtail.embeds.embeds import get_embed
from wagtail.embeds.exceptions import EmbedUnsupportedProviderException

from content.blocks import VideoBlock
from courses.factories import ModulePageFactory

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"

# Run in a pytester sandbox with the suite's own guard (tests/conftest.py's fixture and hook).
SANDBOX_CONFTEST = """
from tests.conftest import closed_network, pytest_runtest_makereport  # noqa: F401
"""
SANDBOX_TESTS = """
import socket
import threading
import urllib.request


def test_fetches_an_external_page():
    urllib.request.urlopen("http://example.com/", timeout=2)


def test_catches_every_error_of_a_connection():
    try:
        socket.create_connection(("192.0.2.10", 443), timeout=1)  # TEST-NET-1, never routed
    except BaseException:
        pass


def test_connects_from_another_thread():
    worker = threading.Thread(
        target=lambda: socket.create_connection(("198.51.100.7", 80), timeout=1)
    )
    worker.start()
    worker.join()


def test_fails_for_another_reason_while_a_worker_thread_was_refused():
    worker = threading.Thread(
        target=lambda: socket.create_connection(("203.0.113.9", 25), timeout=1)
    )
    worker.start()
    worker.join()
    assert False, "the report never arrived"


def test_talks_to_a_server_on_this_machine():
    with socket.create_server(("127.0.0.1", 0)) as server:
        with socket.create_connection(server.getsockname(), timeout=1):
            pass
"""


def test_the_guard_fails_a_test_that_reaches_another_host_and_passes_one_that_stays_local(
    pytester,
):
    pytester.makeconftest(SANDBOX_CONFTEST)
    pytester.makepyfile(test_sandbox=SANDBOX_TESTS)

    # In this process, where Django is set up already; inside each sandbox test the
    # sandbox's guard stands in for this test's own.
    result = pytester.runpytest_inprocess("-p", "no:django", "-p", "no:cacheprovider", "-rA")

    output = result.stdout.str()
    assert "FAILED test_sandbox.py::test_fetches_an_external_page" in output
    assert "Closed network: the code under test tried to reach example.com:80" in output
    # Caught by the code, or raised in a server thread: the test still does not pass.
    assert "ERROR test_sandbox.py::test_catches_every_error_of_a_connection" in output
    assert "192.0.2.10:443" in output
    assert "ERROR test_sandbox.py::test_connects_from_another_thread" in output
    assert "198.51.100.7:80" in output
    # A test that fails for another reason (a job that never came) still names the host.
    assert "ERROR test_sandbox.py::test_fails_for_another_reason_while_a_worker_thread" in output
    assert "203.0.113.9:25" in output
    assert "PASSED test_sandbox.py::test_talks_to_a_server_on_this_machine" in output
    result.assert_outcomes(passed=3, failed=2, errors=3)


def test_this_suite_runs_behind_the_guard(closed_network):
    with pytest.raises(pytest.fail.Exception, match="tried to reach example.com:80"):
        socket.create_connection(("example.com", 80), timeout=1)
    with socket.socket() as sock, pytest.raises(pytest.fail.Exception, match="192.0.2.1:5432"):
        sock.connect_ex(("192.0.2.1", 5432))
    assert closed_network.attempts == ["example.com:80", "192.0.2.1:5432"]
    closed_network.attempts.clear()  # refused on purpose; the fixture would fail this test


def test_the_guard_allows_the_configured_services(closed_network):
    database_host = settings.DATABASES["default"].get("HOST") or "localhost"

    assert closed_network.allows(database_host)
    assert closed_network.allows("127.0.0.1") and closed_network.allows("::1")
    assert not closed_network.allows("www.youtube.com")


def test_oembed_is_off(db):
    assert settings.WAGTAILEMBEDS_FINDERS == []
    with pytest.raises(EmbedUnsupportedProviderException):
        get_embed(YOUTUBE)  # the guard fails the test if this asks youtube.com


def test_the_video_block_never_calls_out():
    block = VideoBlock()

    with pytest.raises(StructBlockValidationError) as refused:
        block.clean(block.to_python({"embed": YOUTUBE}))
    html = block.render(block.to_python({"embed": YOUTUBE, "caption": "研修動画"}))

    assert "庁外のネットワークにある動画" in str(refused.value.block_errors["embed"])
    assert "研修動画" in html and "庁外のサイト" in html
    assert "youtube" not in html and "<iframe" not in html and "<video" not in html


def test_a_module_with_a_video_saved_before_oembed_was_off_still_opens(
    client, make_staff, make_course
):
    _, course, _ = make_course(modules=0)
    module = ModulePageFactory(
        parent=course,
        body=[("video", {"file": None, "embed": YOUTUBE, "caption": "", "transcript": "話の内容"})],
    )
    client.force_login(make_staff())

    response = client.get(module.url)

    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "庁外のサイト" in html and "話の内容" in html
    assert "youtube.com/embed" not in html and "<iframe" not in html
