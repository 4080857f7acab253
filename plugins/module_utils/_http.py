# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One HTTP session per module run.

TLS, timeouts, retries, the read-only guard, bounded bodies and per-request deadlines live here
so that no other layer can forget them. This layer knows nothing of Pulp or OCI.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import heapq
import itertools
import json
import re
import socket
import threading
import time
import traceback

from ansible_collections.signed.registry.plugins.module_utils._errors import SignedRegistryError

try:
    from urllib.parse import urljoin, urlsplit
except ImportError:  # pragma: no cover - Python 2
    from urlparse import urljoin, urlsplit

try:
    import requests
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - reported by the module wrapper
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
    HTTPConnectionPool = HTTPSConnectionPool = HTTPConnection = HTTPSConnection = object

USER_AGENT = "signed.registry-ansible"
SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))
RETRY_STATUSES = frozenset((429, 502, 503, 504))
# Reads are also retried on 500: registries answer so while another client replaces what is read.
RETRY_READ_STATUSES = RETRY_STATUSES | frozenset((500,))
REDIRECT_STATUSES = frozenset((301, 302, 303, 307, 308))
MAX_REDIRECTS = 5
BODY_EXCERPT = 2000
# Far above any JSON answer a registry or Pulp gives a module (a page of 200 Pulp objects is
# ~0.5 MB); a server that sends more is not trusted with memory.
MAX_BODY = 8 * 1024 * 1024


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


def origin(url):
    """(scheme, host, port) of a URL, with the scheme's default port filled in."""
    parts = urlsplit(url)
    scheme = (parts.scheme or "").lower()
    return scheme, (parts.hostname or "").lower(), parts.port or {"http": 80, "https": 443}.get(scheme)


def same_origin(url, other):
    return origin(url) == origin(other)


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


def json_body(response, what=None):
    """The JSON of a response whose body the client has read, or an error naming the request."""
    request = getattr(response, "request", None)
    asked = "%s %s" % (getattr(request, "method", "GET"), response.url)
    try:
        return json.loads(response.content.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise HTTPError("%s answered %s with something that is not JSON (%s): %r"
                        % (asked, what or "the request", exc, response.content[:200]),
                        method=getattr(request, "method", None), url=response.url, status=response.status_code)


# -- deadlines ---------------------------------------------------------------------------------
# requests' timeout bounds each socket read, not a request: a server that sends a byte a second
# never trips it. The watchdog shuts down the socket of a request that outlives its deadline,
# which wakes the thread blocked on it whatever it is reading (status line, headers or body).

_in_flight = threading.local()


class _Watchdog:
    def __init__(self):
        self._cond = threading.Condition()
        self._heap = []
        self._order = itertools.count()
        self._thread = None

    def watch(self, deadline):
        entry = {"deadline": deadline, "socks": [], "expired": False, "done": False}
        with self._cond:
            heapq.heappush(self._heap, (deadline, next(self._order), entry))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="signed.registry-deadlines")
                self._thread.daemon = True
                self._thread.start()
            self._cond.notify()
        return entry

    def release(self, entry):
        with self._cond:
            entry["done"] = True

    def _run(self):
        with self._cond:
            while True:
                while self._heap and self._heap[0][2]["done"]:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                entry = heapq.heappop(self._heap)[2]
                entry["expired"] = True
                for sock in entry["socks"]:
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except (OSError, ValueError):
                        pass  # closed already


_WATCHDOG = _Watchdog()


def _watched(sock):
    """Put a socket the running request uses under its deadline."""
    entry = getattr(_in_flight, "entry", None)
    if entry is not None and sock is not None:
        entry["socks"].append(sock)


class _WatchedPool:
    """A connection pool whose connections, new or reused, are watched (http.client drops a
    connection's socket once a response that ends with the connection is under way, so the
    socket itself is what the watchdog keeps)."""

    def _get_conn(self, timeout=None):
        conn = super(_WatchedPool, self)._get_conn(timeout)
        _watched(getattr(conn, "sock", None))
        return conn


class _WatchedConnection:
    def connect(self):
        super(_WatchedConnection, self).connect()
        _watched(self.sock)


class _WatchedHTTPConnection(_WatchedConnection, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_WatchedConnection, HTTPSConnection):
    pass


class _WatchedHTTPPool(_WatchedPool, HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(_WatchedPool, HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


def _watch_pools(manager):
    if hasattr(manager, "pool_classes_by_scheme"):
        manager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}
    return manager


if HAS_REQUESTS:
    class _Adapter(requests.adapters.HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            super(_Adapter, self).init_poolmanager(*args, **kwargs)
            _watch_pools(self.poolmanager)

        def proxy_manager_for(self, proxy, **kwargs):
            return _watch_pools(super(_Adapter, self).proxy_manager_for(proxy, **kwargs))


class _DeadlineExceeded(Exception):
    pass


class HttpClient:
    """A requests.Session with the collection's TLS, retry, size, deadline and check-mode rules.

    ``read_only`` makes every unsafe method raise ReadOnlyViolation before anything is sent,
    so check mode cannot leak a write whatever the layer above does. ``timeout`` is the most one
    request may take, from connecting to its body's last byte. Every body is read here, and one
    larger than ``max_body`` (or the request's own) is refused.
    """

    def __init__(self, validate_certs=True, ca_cert=None, timeout=30, retries=3,
                 backoff=0.25, read_only=False, user_agent=USER_AGENT, sleep=time.sleep, max_body=MAX_BODY):
        self.session = requests.Session()
        # Modules fetch many images on a few threads; keep a connection for each of them.
        adapter = _Adapter(pool_connections=4, pool_maxsize=16)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers["User-Agent"] = user_agent
        # Redirects to another origin (blob storage) go through a session without cookies.
        self._elsewhere = requests.Session()
        self._elsewhere.mount("https://", adapter)
        self._elsewhere.mount("http://", adapter)
        self._elsewhere.headers["User-Agent"] = user_agent
        self._elsewhere.trust_env = False
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
        self.max_body = max_body
        self._requests = itertools.count(1)
        self.request_count = 0
        self._sleep = sleep

    def request(self, method, url, expected=None, writes=None, max_body=None, **kwargs):
        """Send one request, retrying transient failures; return the response, its body read.

        ``expected`` is a collection of acceptable status codes (default: any 2xx).
        ``writes`` overrides the method's own safety (a login POST changes nothing).
        Redirects of reads are followed; credentials (``auth``, an Authorization header) only
        go to the origin they were given for.
        """
        method = method.upper()
        if writes is None:
            writes = method not in SAFE_METHODS
        if writes and self.read_only:
            raise ReadOnlyViolation("%s %s attempted in check mode" % (method, url))
        kwargs.pop("stream", None)
        kwargs.setdefault("timeout", self.timeout)
        kwargs.setdefault("verify", self.verify)
        limit = self.max_body if max_body is None else max_body
        attempt = 0
        while True:
            attempt += 1
            response = None
            try:
                self.request_count = next(self._requests)
                response = self._send(method, url, limit, kwargs)
            except _DeadlineExceeded:
                # A server that cannot answer in time is not asked again: it could hold the run
                # for (retries + 1) deadlines.
                raise HTTPError("%s %s: no complete answer within %s s (request_timeout); stopped"
                                % (method, url, self.timeout), method=method, url=url)
            except requests.exceptions.SSLError as exc:
                if _PLAIN_HTTP_ANSWER.search(str(exc)):
                    # Not transient: asking again gets the same plain-HTTP answer.
                    raise HTTPError("%s %s failed: the server answers plain HTTP, not HTTPS (for a registry, set "
                                    "plain_http: true; for Pulp, give an http:// pulp_url)" % (method, url),
                                    method=method, url=url)
                if attempt > self.retries:
                    raise HTTPError("%s %s failed after %d attempts: %s" % (method, url, attempt, _reason(exc)),
                                    method=method, url=url)
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                if attempt > self.retries:
                    raise HTTPError("%s %s failed after %d attempts: %s" % (method, url, attempt, _reason(exc)),
                                    method=method, url=url)
            except requests.exceptions.RequestException as exc:
                raise HTTPError("%s %s failed: %s" % (method, url, _reason(exc)), method=method, url=url)
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

    def _send(self, method, url, limit, kwargs):
        """One attempt: the request and the redirects of a read, each body read within the
        deadline, which covers the whole attempt."""
        entry = _WATCHDOG.watch(time.monotonic() + self.timeout)
        _in_flight.entry = entry
        try:
            first_url = url
            session = self.session
            for _hop in range(MAX_REDIRECTS + 1):
                response = session.request(method, url, stream=True, allow_redirects=False, **kwargs)
                if method not in SAFE_METHODS or response.status_code not in REDIRECT_STATUSES \
                        or not response.headers.get("Location"):
                    _read_body(response, limit, method)
                    if entry["expired"]:
                        # A body without a length ends quietly when its socket is shut down.
                        raise _DeadlineExceeded()
                    return response
                response.close()
                url = urljoin(url, response.headers["Location"])
                if not same_origin(url, first_url):
                    # Credentials, cookies and the caller's headers were for the first origin.
                    session = self._elsewhere
                    kept = dict((k, v) for k, v in (kwargs.get("headers") or {}).items() if k.lower() == "accept")
                    kwargs = dict(kwargs, auth=None, headers=kept)
            raise HTTPError("%s %s: more than %d redirects" % (method, first_url, MAX_REDIRECTS),
                            method=method, url=first_url)
        except (requests.exceptions.RequestException, OSError):
            if entry["expired"]:
                raise _DeadlineExceeded()
            raise
        finally:
            _in_flight.entry = None
            _WATCHDOG.release(entry)

    def close(self):
        self.session.close()
        self._elsewhere.close()


def _read_body(response, limit, method):
    """Read a streamed response's body into it, refusing one larger than ``limit``."""
    if method == "HEAD":
        response._content = b""
        response.close()
        return
    what = "%s %s" % (method, response.url)
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > limit:
        response.close()
        raise HTTPError("%s: the answer is %s bytes, more than the %d this module reads" % (what, length, limit),
                        method=method, url=response.url, status=response.status_code)
    chunks = []
    size = 0
    for chunk in response.iter_content(65536):
        size += len(chunk)
        if size > limit:
            response.close()
            raise HTTPError("%s: the answer is more than the %d bytes this module reads" % (what, limit),
                            method=method, url=response.url, status=response.status_code)
        chunks.append(chunk)
    response._content = b"".join(chunks)
    response._content_consumed = True


# What OpenSSL says when the other side of a TLS handshake speaks plain HTTP.
_PLAIN_HTTP_ANSWER = re.compile(r"WRONG_VERSION_NUMBER|record layer failure|http request", re.I)

# The operating system's or TLS's own words, from deep inside urllib3's wrapped exceptions.
_OS_REASON = re.compile(r"\[Errno -?\d+\] [^'\")(]+|\[SSL: [A-Z_]+\] [^'\"(]+")


def _reason(exc):
    """Why a request could not be sent, in the fewest words that say it."""
    found = _OS_REASON.search(str(exc))
    return found.group(0).strip() if found else str(exc)
