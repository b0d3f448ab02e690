"""How Wagtail's document view hands over a file once its checks have passed.

Wagtail's serve view (``WAGTAILDOCS_SERVE_METHOD = "serve_view"``) checks sign-in and the
collection's view restrictions, then calls the ``SENDFILE_BACKEND`` (this module) with the
file's path. Two ways to send it:

- streamed by the application (the default; development, or any reverse proxy);
- with ``SHINKA_X_ACCEL_REDIRECT_PREFIX`` set (e.g. ``/protected-media/``), an empty
  response whose ``X-Accel-Redirect`` header names the file under that prefix: nginx sends
  the file from an ``internal`` location that no browser can ask for directly (README,
  "Files"). nginx then also answers range requests, so long videos can be skipped through.

Either way the response carries the headers of the checked view (``Cache-Control: private,
no-store`` from ``PersonalDataHeadersMiddleware``, Content-Disposition, nosniff).
"""

from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.http import Http404, HttpResponse
from wagtail.utils import sendfile_streaming_backend


def sendfile(request, filename, **kwargs):
    prefix = settings.SHINKA_X_ACCEL_REDIRECT_PREFIX
    if not prefix:
        return sendfile_streaming_backend.sendfile(request, filename, **kwargs)
    try:
        relative = Path(filename).resolve().relative_to(Path(settings.MEDIA_ROOT).resolve())
    except ValueError:
        # Only files of the media folder are handed to the proxy.
        raise Http404 from None
    response = HttpResponse()
    response["X-Accel-Redirect"] = f"/{prefix.strip('/')}/{quote(relative.as_posix())}"
    return response
