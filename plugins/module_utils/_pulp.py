# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pulp REST API: login, lookups by natural key, minimal updates, task polling.

Knows nothing of Ansible: modules hand it plain values and get plain dicts back.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.signed.registry.plugins.module_utils._errors import SignedRegistryError
from ansible_collections.signed.registry.plugins.module_utils._http import HTTPError, json_body, same_origin

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2
    from urlparse import urlsplit

API_PREFIX = "/pulp/api/v3/"
TASK_FINAL_STATES = frozenset(("completed", "failed", "canceled", "skipped"))
# Short first polls: most Pulp tasks on an idle worker finish in well under a second.
POLL_INTERVALS = (0.05, 0.1, 0.15, 0.25, 0.4, 0.6, 1.0)
PAGE_SIZE = 200
HIDDEN = "<hidden>"

REPOSITORIES = "repositories/container/container/"
PUSH_REPOSITORIES = "repositories/container/container-push/"
REMOTES = "remotes/container/container/"
DISTRIBUTIONS = "distributions/container/container/"
CONTENT_GUARDS = "contentguards/"
SIGNING_SERVICES = "signing-services/"


class PulpError(SignedRegistryError):
    """A Pulp operation that did not do what was asked."""


def parse_version(text):
    parts = []
    for piece in str(text).split("."):
        digits = ""
        for char in piece:
            if not char.isdigit():
                break
            digits += char
        parts.append(int(digits or 0))
    return tuple(parts)


class PulpClient:
    """Pulp's REST API over one HttpClient, logged in once per module run."""

    def __init__(self, http, pulp_url, username=None, password=None, timeout=600,
                 clock=time.monotonic, sleep=time.sleep):
        self.http = http
        self.base = pulp_url.rstrip("/")
        parts = urlsplit(self.base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise PulpError("pulp_url must be an http:// or https:// URL, got %r" % pulp_url)
        if parts.username or parts.password:
            raise PulpError("pulp_url must not hold credentials: give them as username and password")
        self._auth = None
        self._headers = {}
        self._session = False
        self.username = username
        self.password = password
        self.timeout = timeout
        self._clock = clock
        self._sleep = sleep
        self._logged_in = False
        self._versions = None

    # -- transport ---------------------------------------------------------------------------

    def url(self, href_or_path):
        """The URL of an href or path, always on ``pulp_url``'s origin.

        Pulp names itself in absolute hrefs (``next`` pages) by the Host it was asked for, which
        a proxy may have rewritten: only their path is used, and the session's cookie and
        credentials never go to a host Pulp names.
        """
        if "://" in href_or_path or href_or_path.startswith("//"):
            parts = urlsplit(href_or_path)
            if parts.scheme not in ("http", "https"):
                raise PulpError("Pulp at %s answered with a link that is no HTTP URL: %r" % (self.base, href_or_path))
            if same_origin(href_or_path, self.base):
                return href_or_path
            if not parts.path.startswith(API_PREFIX):
                raise PulpError("Pulp at %s answered with a link to another server, %s: refusing to follow it"
                                % (self.base, href_or_path))
            href_or_path = parts.path + ("?" + parts.query if parts.query else "")
        if href_or_path.startswith("/"):
            return self.base + href_or_path
        return self.base + API_PREFIX + href_or_path

    def _login(self):
        """Trade the password for a session: Pulp hashes Basic credentials on every request."""
        self._logged_in = True
        if not self.username:
            return
        try:
            self.http.request("POST", self.url("login/"), auth=(self.username, self.password),
                              writes=False, headers={"Referer": self.base + "/"})
        except HTTPError as exc:
            if exc.status in (404, 405):
                # pulpcore before the login endpoint: Basic auth on every request.
                self._auth = (self.username, self.password)
                return
            if exc.status in (401, 403):
                raise PulpError("Pulp at %s refused the credentials of user %r (HTTP %s)"
                                % (self.base, self.username, exc.status), **exc.details)
            raise
        self._session = True
        token = self.http.session.cookies.get("csrftoken")
        if token:
            self._headers["X-CSRFToken"] = token
        # Django checks the Referer of unsafe HTTPS requests against the host.
        self._headers["Referer"] = self.base + "/"

    @property
    def session_headers(self):
        """What requests on the logged-in session carry besides its cookie (CSRF token, Referer);
        filled in by the login, so a client made before it still gets them."""
        return self._headers

    def logout(self):
        """End the session the login opened (Pulp keeps one for 14 days otherwise)."""
        if not self._session:
            return
        self._session = False
        try:
            self.http.request("DELETE", self.url("login/"), writes=False, headers=self._headers,
                              expected=(200, 204, 401, 403, 404, 405))
        except HTTPError:
            pass  # the run's outcome stands; the session expires on its own

    def request(self, method, href, **kwargs):
        if not self._logged_in:
            self._login()
        kwargs["headers"] = dict(self._headers, **(kwargs.get("headers") or {}))
        kwargs.setdefault("auth", self._auth)
        return self.http.request(method, self.url(href), **kwargs)

    def get(self, href, **params):
        return json_body(self.request("GET", href, params=params or None))

    # -- lookups -----------------------------------------------------------------------------

    def list(self, endpoint, **filters):
        """Every object that matches ``filters``, following pagination."""
        params = dict(filters)
        params.setdefault("limit", PAGE_SIZE)
        page = json_body(self.request("GET", endpoint, params=params))
        results = list(page.get("results", []))
        while page.get("next"):
            page = json_body(self.request("GET", page["next"]))
            results.extend(page.get("results", []))
        return results

    def find(self, endpoint, **filters):
        """The one object matching ``filters``, or None."""
        found = self.list(endpoint, **filters)
        if len(found) > 1:
            raise PulpError("%d objects in %s match %r, expected one" % (len(found), endpoint, filters))
        return found[0] if found else None

    def find_many(self, endpoint, names):
        """Objects by name, in one request per page instead of one per name."""
        names = sorted(set(names))
        if not names:
            return {}
        return dict((obj["name"], obj) for obj in self.list(endpoint, name__in=",".join(names)))

    def href_of(self, endpoint, name, what):
        """Resolve a user-facing name to its href, failing clearly when it does not exist."""
        found = self.find(endpoint, name=name)
        if found is None:
            raise PulpError("%s %r does not exist in Pulp at %s" % (what, name, self.base))
        return found["pulp_href"]

    # -- writes ------------------------------------------------------------------------------

    def create(self, endpoint, body):
        data = json_body(self.request("POST", endpoint, json=body))
        if "task" in data:
            task = self.wait(data["task"])
            created = task.get("created_resources") or []
            return self.get(created[0]) if created else None
        return data

    def update(self, href, changes):
        data = json_body(self.request("PATCH", href, json=changes))
        if isinstance(data, dict) and "task" in data:
            self.wait(data["task"])
            return self.get(href)
        return data

    def delete(self, href):
        """Delete an object; one already gone (Pulp deletes some along with others) is fine."""
        response = self.request("DELETE", href, expected=(200, 202, 204, 404))
        if response.status_code == 202:
            self.wait(json_body(response)["task"])

    def post_action(self, href, action, body):
        """POST to an object's action (sync/, tag/, ...) and return the task href."""
        data = json_body(self.request("POST", href + action + "/", json=body))
        return data["task"]

    # -- tasks -------------------------------------------------------------------------------

    def wait(self, task_href, timeout=None, what=None):
        """Wait for one task; ``what`` names the operation in a failure message."""
        try:
            return self.wait_all([task_href], timeout=timeout)[0]
        except PulpError as exc:
            if what:
                raise PulpError("%s: %s" % (what, exc), **exc.details)
            raise

    def wait_all(self, task_hrefs, timeout=None, raise_on_failure=True):
        """Poll tasks until all are final; then fail on the first one that did not complete."""
        timeout = self.timeout if timeout is None else timeout
        deadline = self._clock() + timeout
        pending = list(task_hrefs)
        done = {}
        poll = 0
        while pending:
            for task in self._tasks(pending):
                if task.get("state") in TASK_FINAL_STATES:
                    done[task["pulp_href"]] = task
                    pending.remove(task["pulp_href"])
            if not pending:
                break
            if self._clock() >= deadline:
                raise PulpError("Pulp tasks still running after %s s: %s (raise 'timeout' to wait longer)"
                                % (timeout, ", ".join(pending)), tasks=pending)
            self._sleep(POLL_INTERVALS[min(poll, len(POLL_INTERVALS) - 1)])
            poll += 1
        tasks = [done[href] for href in task_hrefs]
        for task in tasks if raise_on_failure else ():
            if task.get("state") != "completed":
                raise PulpError(task_failure_message(task), task=task.get("pulp_href"))
        return tasks

    def _tasks(self, hrefs):
        """Current state of tasks: one request for all of them, however many there are."""
        if len(hrefs) == 1:
            return [self.get(hrefs[0])]
        return self.list("tasks/", pulp_href__in=",".join(hrefs))

    # -- server facts ------------------------------------------------------------------------

    def versions(self):
        """Installed plugin versions, e.g. {'core': (3, 123, 0), 'container': (2, 30, 0)}."""
        if self._versions is None:
            status = self.get("status/")
            self._versions = dict((v["component"], parse_version(v["version"]))
                                  for v in status.get("versions", []))
        return self._versions


def task_failure_message(task):
    error = task.get("error") or {}
    reason = error.get("description") or error.get("traceback") or "no error text"
    return "Pulp task %s (%s) ended %s: %s" % (
        task.get("pulp_href"), task.get("name"), task.get("state"), reason.strip())


# -- desired state ---------------------------------------------------------------------------


def _same(current, desired, unordered):
    if unordered and isinstance(current, list) and isinstance(desired, list):
        return sorted(current) == sorted(desired)
    if current in (None, "", {}) and desired in (None, "", {}):
        # Pulp returns null where an empty value was sent, and the reverse.
        return True
    return current == desired


def is_set_on_server(current, field):
    for hidden in current.get("hidden_fields") or []:
        if hidden.get("name") == field:
            return bool(hidden.get("is_set"))
    return False


def changes_for(current, desired, write_only=None, update_password="on_create", unordered=()):
    """The minimal PATCH body that brings ``current`` to ``desired``.

    ``desired`` holds only the fields the user set. Write-only fields cannot be compared:
    with 'on_create' they are sent only when the server has none (or to clear one with '');
    with 'always' they are sent on every run.
    """
    changes = {}
    for field, value in desired.items():
        if not _same(current.get(field), value, field in unordered):
            changes[field] = value
    for field, value in (write_only or {}).items():
        if value is None:
            continue
        present = is_set_on_server(current, field)
        if value == "":
            if present:
                changes[field] = None
        elif update_password == "always" or not present:
            changes[field] = value
    return changes


def view(obj, fields, write_only=()):
    """A diff-friendly view: the managed fields, write-only ones as set or not."""
    if obj is None:
        return {}
    shown = dict((f, obj.get(f)) for f in fields)
    for field in write_only:
        shown[field] = HIDDEN if is_set_on_server(obj, field) else None
    return shown


def planned(before, changes, write_only=()):
    """What ``view`` would show once ``changes`` are applied."""
    after = dict(before)
    for field, value in changes.items():
        if field in write_only:
            after[field] = HIDDEN if value not in (None, "") else None
        else:
            after[field] = value
    return after


class Outcome:
    """What ensure() did or would do, for the module to report."""

    def __init__(self, changed, before, after, obj, action=None):
        self.changed = changed
        self.before = before
        self.after = after
        self.obj = obj
        self.action = action


def ensure(client, endpoint, key, desired, state="present", write_only=None,
           update_password="on_create", unordered=(), check_mode=False, current=None,
           lookup=True):
    """Make one Pulp object match ``desired`` (or be absent); never writes in check mode.

    ``key`` is the natural key filter (e.g. {'name': 'foo'}). ``current`` may be given when
    the caller already fetched it (batched lookups); ``lookup=False`` says it is known absent.
    """
    write_only = write_only or {}
    if current is None and lookup:
        current = client.find(endpoint, **key)
    fields = sorted(set(key) | set(desired))
    before = view(current, fields, write_only)
    if state == "absent":
        if current is None:
            return Outcome(False, {}, {}, None)
        if not check_mode:
            client.delete(current["pulp_href"])
        return Outcome(True, before, {}, None, "deleted")
    if current is None:
        body = dict(key)
        body.update(dict((k, v) for k, v in desired.items() if v is not None))
        body.update(dict((k, v) for k, v in write_only.items() if v not in (None, "")))
        after = planned(dict((f, None) for f in fields), body, write_only)
        obj = None if check_mode else client.create(endpoint, body)
        if obj is not None:
            after = view(obj, fields, write_only)
        return Outcome(True, {}, after, obj if obj is not None else dict(body, **_hide(write_only)),
                       "created")
    changes = changes_for(current, desired, write_only, update_password, unordered)
    if not changes:
        return Outcome(False, before, before, current)
    after = planned(before, changes, write_only)
    obj = current
    if not check_mode:
        obj = client.update(current["pulp_href"], changes)
        after = view(obj, fields, write_only)
    else:
        obj = dict(current, **dict((k, v) for k, v in changes.items() if k not in write_only))
    return Outcome(True, before, after, obj, "updated")


def _hide(write_only):
    return dict((k, HIDDEN) for k, v in write_only.items() if v not in (None, ""))


def public(obj, write_only=()):
    """An object as modules return it: never a write-only value."""
    if obj is None:
        return None
    return dict((k, (HIDDEN if k in write_only and v not in (None, "") else v)) for k, v in obj.items())
