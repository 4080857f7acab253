# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One HTTP session per module run.

TLS, timeouts, retries and the read-only guard live here so that no other layer can forget
them. This layer knows nothing of Pulp or OCI.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import itertools
import re
import time
import traceback

from ansible_collections.signed.registry.plugins.module_utils._errors import SignedRegistryError

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - reported by the module wrapper
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

USER_AGENT = "signed.registry-ansible"
SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))
RETRY_STATUSES = frozenset((429, 502, 503, 504))
# Reads are also retried on 500: registries answer so while another client replaces what is read.
RETRY_READ_STATUSES = RETRY_STATUSES | frozenset((500,))
BODY_EXCERPT = 2000


class HTTPError(SignedRegistryError):
    """A request that failed, with what the server said and what was asked of it."""

    def __init__(self, message, method=None, url=None, status=None, body=None):
        super(HTTPError, self).__init__(
            message, http=dict(method=method, url=url, status=status, body=body))
        self.method = method
        self.url = url
        self.status = status
        self.body = body


class ReadOnlyViolation(RuntimeError):
    """A write attempted in check mode: a bug in the caller, never a user error."""


def _excerpt(response):
    try:
        text = response.text
    except Exception:  # pragma: no cover - undecodable body
        return None
    if text and len(text) > BODY_EXCERPT:
        return text[:BODY_EXCERPT] + "..."
    return text


def _retry_after(response, default):
    value = response.headers.get("Retry-After") if response is not None else None
    if value and value.isdigit():
        return min(float(value), 10.0)
    return default


class HttpClient:
    """A requests.Session with the collection's TLS, retry and check-mode rules.

    ``read_only`` makes every unsafe method raise ReadOnlyViolation before anything is sent,
    so check mode cannot leak a write whatever the layer above does.
    """

    def __init__(self, validate_certs=True, ca_cert=None, timeout=30, retries=3,
                 backoff=0.25, read_only=False, user_agent=USER_AGENT, sleep=time.sleep):
        self.session = requests.Session()
        # Modules fetch many images on a few threads; keep a connection for each of them.
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=16)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers["User-Agent"] = user_agent
        # Given with every request: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE in the
        # environment override a session-wide setting, which would drop the user's ca_cert.
        self.verify = True
        if not validate_certs:
            self.verify = False
            try:
                requests.packages.urllib3.disable_warnings()
            except AttributeError:  # pragma: no cover - vendored urllib3 removed
                pass
        elif ca_cert:
            self.verify = ca_cert
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.read_only = read_only
        self._requests = itertools.count(1)
        self.request_count = 0
        self._sleep = sleep

    def request(self, method, url, expected=None, writes=None, **kwargs):
        """Send one request, retrying transient failures; return the response.

        ``expected`` is a collection of acceptable status codes (default: any 2xx).
        ``writes`` overrides the method's own safety (a login POST changes nothing).
        """
        method = method.upper()
        if writes is None:
            writes = method not in SAFE_METHODS
        if writes and self.read_only:
            raise ReadOnlyViolation("%s %s attempted in check mode" % (method, url))
        kwargs.setdefault("timeout", self.timeout)
        kwargs.setdefault("verify", self.verify)
        attempt = 0
        while True:
            attempt += 1
            response = None
            try:
                self.request_count = next(self._requests)
                response = self.session.request(method, url, **kwargs)
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                if attempt > self.retries:
                    raise HTTPError("%s %s failed after %d attempts: %s" % (method, url, attempt, _reason(exc)),
                                    method=method, url=url)
            else:
                retry_on = RETRY_READ_STATUSES if method in SAFE_METHODS else RETRY_STATUSES
                if response.status_code not in retry_on or attempt > self.retries:
                    break
            self._sleep(_retry_after(response, self.backoff * (2 ** (attempt - 1))))
        ok = (response.status_code in expected) if expected else (200 <= response.status_code < 300)
        if not ok:
            raise HTTPError(
                "%s %s returned HTTP %s: %s" % (method, url, response.status_code, _excerpt(response)),
                method=method, url=url, status=response.status_code, body=_excerpt(response))
        return response

    def close(self):
        self.session.close()


# The operating system's or TLS's own words, from deep inside urllib3's wrapped exceptions.
_OS_REASON = re.compile(r"\[Errno -?\d+\] [^'\")(]+|\[SSL: [A-Z_]+\] [^'\"(]+")


def _reason(exc):
    """Why a request could not be sent, in the fewest words that say it."""
    found = _OS_REASON.search(str(exc))
    return found.group(0).strip() if found else str(exc)
