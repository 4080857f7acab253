# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired-state logic and task polling of the Pulp layer, with an in-memory Pulp."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.signed.registry.plugins.module_utils._pulp import (
    HIDDEN,
    PulpClient,
    PulpError,
    changes_for,
    ensure,
    parse_version,
    public,
    view,
)


class FakePulp:
    """Stores objects by href and records every write; enough of PulpClient for ensure()."""

    def __init__(self, objects=None):
        self.objects = dict((o["pulp_href"], o) for o in objects or [])
        self.writes = []

    def find(self, endpoint, **key):
        found = [o for o in self.objects.values() if all(o.get(k) == v for k, v in key.items())]
        return found[0] if found else None

    def create(self, endpoint, body):
        self.writes.append(("create", body))
        obj = dict(body, pulp_href="/pulp/api/v3/x/%d/" % len(self.objects))
        self.objects[obj["pulp_href"]] = obj
        return obj

    def update(self, href, changes):
        self.writes.append(("update", href, changes))
        self.objects[href].update(changes)
        return self.objects[href]

    def delete(self, href):
        self.writes.append(("delete", href))
        del self.objects[href]


REMOTE = {
    "pulp_href": "/pulp/api/v3/remotes/container/container/1/",
    "name": "alpine",
    "url": "https://registry.example.com",
    "upstream_name": "library/alpine",
    "includes": ["3.20", "3.21"],
    "policy": "immediate",
    "hidden_fields": [{"name": "password", "is_set": True}, {"name": "client_key", "is_set": False}],
}


def test_parse_version():
    assert parse_version("2.30.0") == (2, 30, 0)
    assert parse_version("3.123.1.dev") == (3, 123, 1, 0)
    assert parse_version("2.28.0rc1") >= (2, 28)


def test_no_changes_when_equal_and_lists_unordered():
    desired = {"url": "https://registry.example.com", "includes": ["3.21", "3.20"]}
    assert changes_for(REMOTE, desired, unordered=("includes",)) == {}


def test_ordered_list_change_detected():
    assert changes_for(REMOTE, {"includes": ["3.21", "3.20"]}) == {"includes": ["3.21", "3.20"]}


def test_null_and_empty_are_the_same():
    assert changes_for({"description": None}, {"description": ""}) == {}
    assert changes_for({"pulp_labels": {}}, {"pulp_labels": None}) == {}


def test_write_only_on_create_sends_only_unset_values():
    changes = changes_for(REMOTE, {}, {"password": "s3cret", "client_key": "KEY"}, "on_create")
    assert changes == {"client_key": "KEY"}


def test_write_only_always_sends_every_value():
    changes = changes_for(REMOTE, {}, {"password": "s3cret"}, "always")
    assert changes == {"password": "s3cret"}


def test_write_only_empty_string_clears_a_set_value_only():
    assert changes_for(REMOTE, {}, {"password": "", "client_key": ""}) == {"password": None}


def test_view_never_shows_write_only_values():
    shown = view(dict(REMOTE, password="leak"), ["name"], write_only={"password": "x", "client_key": "y"})
    assert shown == {"name": "alpine", "password": HIDDEN, "client_key": None}


def test_public_masks_write_only_fields():
    assert public({"name": "a", "password": "p", "username": None}, ("password", "username")) == {
        "name": "a", "password": HIDDEN, "username": None}


def test_ensure_creates_missing_object():
    pulp = FakePulp()
    outcome = ensure(pulp, "remotes/", {"name": "a"}, {"url": "https://x"}, write_only={"password": "s3cret"})
    assert outcome.changed and outcome.action == "created"
    assert pulp.writes == [("create", {"name": "a", "url": "https://x", "password": "s3cret"})]
    assert outcome.before == {}
    assert "s3cret" not in repr(outcome.after)


def test_ensure_check_mode_writes_nothing_and_predicts():
    pulp = FakePulp([REMOTE])
    outcome = ensure(pulp, "remotes/", {"name": "alpine"}, {"policy": "on_demand"}, check_mode=True)
    assert outcome.changed and pulp.writes == []
    assert outcome.before["policy"] == "immediate"
    assert outcome.after["policy"] == "on_demand"
    assert outcome.obj["policy"] == "on_demand"


def test_ensure_check_mode_create_hides_secrets():
    pulp = FakePulp()
    outcome = ensure(pulp, "remotes/", {"name": "a"}, {}, write_only={"password": "p"}, check_mode=True)
    assert outcome.changed and pulp.writes == []
    assert outcome.obj["password"] == HIDDEN


def test_ensure_updates_only_what_differs():
    pulp = FakePulp([dict(REMOTE)])
    outcome = ensure(pulp, "remotes/", {"name": "alpine"},
                     {"url": "https://registry.example.com", "policy": "on_demand"})
    assert pulp.writes == [("update", REMOTE["pulp_href"], {"policy": "on_demand"})]
    assert outcome.before == {"name": "alpine", "url": "https://registry.example.com", "policy": "immediate"}
    assert outcome.after["policy"] == "on_demand"


def test_ensure_unchanged_sends_nothing():
    pulp = FakePulp([dict(REMOTE)])
    outcome = ensure(pulp, "remotes/", {"name": "alpine"}, {"policy": "immediate"}, write_only={"password": "p"})
    assert not outcome.changed and pulp.writes == []


def test_ensure_absent():
    pulp = FakePulp([dict(REMOTE)])
    assert ensure(pulp, "remotes/", {"name": "alpine"}, {}, state="absent", check_mode=True).changed
    assert pulp.writes == []
    assert ensure(pulp, "remotes/", {"name": "alpine"}, {}, state="absent").changed
    assert pulp.writes == [("delete", REMOTE["pulp_href"])]
    assert not ensure(pulp, "remotes/", {"name": "alpine"}, {}, state="absent").changed


class TaskServer:
    """Serves task states in sequence for PulpClient.wait_all, with a fake clock."""

    def __init__(self, states):
        self.states = states
        self.now = 0.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def polling_client(server, timeout=10):
    client = PulpClient(http=None, pulp_url="http://pulp", timeout=timeout, clock=server.clock, sleep=server.sleep)

    def get(href, **params):
        states = server.states[href]
        state = states.pop(0) if len(states) > 1 else states[0]
        return dict(state, pulp_href=href, name="sync")

    def list_tasks(endpoint, pulp_href__in):
        server.batched += 1
        return [get(href) for href in pulp_href__in.split(",")]
    server.batched = 0
    client.get = get
    client.list = list_tasks
    return client


def test_wait_polls_quickly_then_backs_off():
    server = TaskServer({"/t/1/": [{"state": "waiting"}] * 3 + [{"state": "running"}] * 5 + [{"state": "completed"}]})
    task = polling_client(server).wait("/t/1/")
    assert task["state"] == "completed"
    assert server.sleeps[0] <= 0.1
    assert max(server.sleeps) <= 1.0


def test_wait_all_reports_pulp_error_text():
    server = TaskServer({
        "/t/1/": [{"state": "completed"}],
        "/t/2/": [{"state": "failed", "error": {"description": "Cannot connect to host 127.0.0.1:9"}}],
    })
    with pytest.raises(PulpError) as err:
        polling_client(server).wait_all(["/t/1/", "/t/2/"])
    assert "Cannot connect to host 127.0.0.1:9" in str(err.value)
    assert "/t/2/" in str(err.value)


def test_wait_all_without_raising_returns_every_task_in_order():
    server = TaskServer({"/t/1/": [{"state": "running"}, {"state": "failed", "error": {"description": "x"}}],
                         "/t/2/": [{"state": "completed"}]})
    tasks = polling_client(server).wait_all(["/t/1/", "/t/2/"], raise_on_failure=False)
    assert [t["state"] for t in tasks] == ["failed", "completed"]
    assert server.batched == 1


def test_wait_times_out_clearly():
    server = TaskServer({"/t/1/": [{"state": "running"}]})
    with pytest.raises(PulpError) as err:
        polling_client(server, timeout=3).wait("/t/1/")
    assert "still running after 3 s" in str(err.value)
    assert server.now < 5


def test_hrefs_stay_on_pulp_url():
    client = PulpClient(http=None, pulp_url="https://pulp.example.com:8443")
    assert client.url("repositories/") == "https://pulp.example.com:8443/pulp/api/v3/repositories/"
    assert client.url("/pulp/api/v3/tasks/1/") == "https://pulp.example.com:8443/pulp/api/v3/tasks/1/"
    same = "https://pulp.example.com:8443/pulp/api/v3/x/?offset=200"
    assert client.url(same) == same
    # Pulp names itself by the Host a proxy sent it: the path is used, on pulp_url.
    assert client.url("http://pulp-internal:24817/pulp/api/v3/x/?limit=200&offset=200") == \
        "https://pulp.example.com:8443/pulp/api/v3/x/?limit=200&offset=200"
    for elsewhere in ("https://evil.example.com/collect", "https://pulp.example.com:9999/other/path",
                      "//evil.example.com/pulp", "file:///etc/passwd"):
        with pytest.raises(PulpError):
            client.url(elsewhere)


@pytest.mark.parametrize("url", ["ftp://pulp", "pulp.example.com", "https://admin:secret@pulp.example.com"])
def test_pulp_url_must_be_plain_http_or_https(url):
    with pytest.raises(PulpError) as err:
        PulpClient(http=None, pulp_url=url)
    assert "secret" not in str(err.value)


class SessionHttp:
    """Records what PulpClient sends; answers a login with a session and CSRF cookie."""

    def __init__(self):
        import requests
        self.session = requests.Session()
        self.sent = []

    def request(self, method, url, **kwargs):
        self.sent.append((method, url, kwargs))

        class Answer:
            status_code = 200
            content = b'{"results": [], "next": null}'
            request = None
        answer = Answer()
        answer.url = url
        if url.endswith("/login/") and method == "POST":
            self.session.cookies.set("csrftoken", "csrf-1")
            self.session.cookies.set("sessionid", "session-1")
        return answer


def test_one_login_per_run_credentials_per_request_and_a_logout_at_the_end():
    http = SessionHttp()
    client = PulpClient(http=http, pulp_url="http://pulp:24817", username="admin", password="pw")
    client.list("repositories/")
    client.list("remotes/")
    client.logout()
    client.logout()
    methods = [(m, u.replace("http://pulp:24817/pulp/api/v3/", "")) for m, u, _kwargs in http.sent]
    assert methods == [("POST", "login/"), ("GET", "repositories/"), ("GET", "remotes/"), ("DELETE", "login/")]
    assert http.sent[0][2]["auth"] == ("admin", "pw")
    assert http.sent[1][2]["auth"] is None and http.sent[1][2]["headers"]["X-CSRFToken"] == "csrf-1"
    assert http.sent[3][2]["writes"] is False  # a logout is no change, and runs in check mode too
    # Nothing session-wide that another origin could receive.
    assert http.session.auth is None and "X-CSRFToken" not in http.session.headers
