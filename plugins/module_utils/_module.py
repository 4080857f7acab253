# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every module shares: one run that owns exit and failure, clients built from the
shared options with check mode enforced in them, and diffs with secrets hidden.

The only layer that talks to Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.signed.registry.plugins.module_utils._cosign import (
    CRYPTOGRAPHY_IMPORT_ERROR,
    HAS_CRYPTOGRAPHY,
    HAS_NACL,
    NACL_IMPORT_ERROR,
)
from ansible_collections.signed.registry.plugins.module_utils._credentials import Credentials
from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput, SignedRegistryError
from ansible_collections.signed.registry.plugins.module_utils._http import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    HttpClient,
)
from ansible_collections.signed.registry.plugins.module_utils._oci import Registry
from ansible_collections.signed.registry.plugins.module_utils._pulp import PulpClient
from ansible_collections.signed.registry.plugins.module_utils._reference import parse_reference

SECRET_MASK = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
# The third-party libraries modules name in ``requires``: whether each imported, and why not.
LIBRARIES = {
    "requests": (HAS_REQUESTS, REQUESTS_IMPORT_ERROR),
    "cryptography": (HAS_CRYPTOGRAPHY, CRYPTOGRAPHY_IMPORT_ERROR),
    "PyNaCl": (HAS_NACL, NACL_IMPORT_ERROR),
}

PULP_CONNECTION_SPEC = dict(
    pulp_url=dict(type="str", fallback=(env_fallback, ["PULP_URL"])),
    username=dict(type="str", fallback=(env_fallback, ["PULP_USERNAME"])),
    password=dict(type="str", no_log=True, fallback=(env_fallback, ["PULP_PASSWORD"])),
    validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["PULP_VALIDATE_CERTS"])),
    ca_cert=dict(type="path", fallback=(env_fallback, ["PULP_CA_CERT"])),
    request_timeout=dict(type="float", default=30),
    timeout=dict(type="int", default=600),
)


def mask_secrets(data, secret_keys):
    """A copy of ``data`` (nested dicts and lists) with the values of ``secret_keys`` hidden."""
    if isinstance(data, dict):
        return dict((k, SECRET_MASK if k in secret_keys and v not in (None, "") else mask_secrets(v, secret_keys))
                    for k, v in data.items())
    if isinstance(data, list):
        return [mask_secrets(v, secret_keys) for v in data]
    return data


def secret_values(params):
    """Secrets in options that are not themselves secret: the password of a URL with
    ``user:password@``, the values of HTTP ``headers`` (tokens), at any depth."""
    found = []
    if isinstance(params, dict):
        for key, value in params.items():
            if key == "headers" and isinstance(value, list):
                found.extend(v for header in value if isinstance(header, dict) for v in header.values())
            else:
                found.extend(secret_values(value))
    elif isinstance(params, list):
        for value in params:
            found.extend(secret_values(value))
    elif isinstance(params, str) and "://" in params and "@" in params:
        userinfo = params.split("://", 1)[1].split("/", 1)[0].rpartition("@")[0]
        if ":" in userinfo:
            found.append(userinfo.split(":", 1)[1])
    return found


REGISTRY_CONNECTION_SPEC = dict(
    registry_username=dict(type="str"),
    registry_password=dict(type="str", no_log=True),
    registry_auth=dict(type="list", elements="dict", options=dict(
        host=dict(type="str", required=True),
        username=dict(type="str", required=True),
        password=dict(type="str", no_log=True),
    )),
    auth_file=dict(type="path", fallback=(env_fallback, ["REGISTRY_AUTH_FILE"])),
    validate_certs=dict(type="bool", default=True),
    ca_cert=dict(type="path"),
    plain_http=dict(type="bool", default=False),
    request_timeout=dict(type="float", default=30),
)


class ModuleRun:
    """``with ModuleRun(spec) as run:`` ... the run exits with ``run.result`` or fails cleanly."""

    def __init__(self, argument_spec, connection_spec=None, secret_keys=(), requires=("requests",), libraries=(),
                 **kwargs):
        """``requires``: names of LIBRARIES the module needs; ``libraries``: (name, imported,
        import traceback) of any other library."""
        spec = dict(connection_spec or {})
        spec.update(argument_spec)
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **kwargs)
        for name, imported, error in tuple((n,) + LIBRARIES[n] for n in requires) + tuple(libraries):
            if not imported:
                self.module.fail_json(msg=missing_required_lib(name), exception=error)
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self.secret_keys = frozenset(secret_keys)
        self.result = {"changed": False}
        self._diff_before = {}
        self._diff_after = {}
        self._clients = []
        self._pulps = []
        self._credentials = None
        self.hide(secret_values(self.params))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        for pulp in self._pulps:
            pulp.logout()
        for client in self._clients:
            client.close()
        if exc_type is None:
            if self.module._diff and (self._diff_before or self._diff_after):
                self.result["diff"] = {
                    "before": mask_secrets(self._diff_before, self.secret_keys),
                    "after": mask_secrets(self._diff_after, self.secret_keys),
                }
            self.module.exit_json(**self.result)
        if issubclass(exc_type, (SystemExit, KeyboardInterrupt)):
            return False
        if isinstance(exc, SignedRegistryError):
            self.fail(str(exc), **exc.details)
        self.fail("Unexpected %s: %s" % (exc_type.__name__, exc),
                  exception="".join(traceback.format_exception(exc_type, exc, tb)))
        return False  # pragma: no cover - fail() exits

    def fail(self, msg, **details):
        details = mask_secrets(details, self.secret_keys)
        details.setdefault("changed", self.result.get("changed", False))
        self.module.fail_json(msg=msg, **details)

    def http(self, validate_certs=None, ca_cert=None):
        """An HTTP client that cannot send a write in check mode."""
        client = HttpClient(
            validate_certs=self.params.get("validate_certs", True) if validate_certs is None else validate_certs,
            ca_cert=self.params.get("ca_cert") if ca_cert is None else ca_cert,
            timeout=self.params.get("request_timeout") or 30,
            read_only=self.check_mode,
        )
        self._clients.append(client)
        return client

    def hide(self, values):
        """Values that must not appear anywhere in the output (results, diff, invocation, errors)."""
        for value in values:
            if isinstance(value, str) and value:
                self.module.no_log_values.add(value)

    def registry(self, host):
        """One Registry per host for the run, sharing one HTTP session and its tokens, with the
        credentials of that host only."""
        registries = self.__dict__.setdefault("_registries", {})
        if host not in registries:
            if self._credentials is None:
                self._credentials = Credentials(self.params.get("registry_auth"), self.params.get("registry_username"),
                                                self.params.get("registry_password"), self.params.get("auth_file"))
                self.hide(self._credentials.secrets())
            username, password = self._credentials.for_host(host)
            if not registries:
                self._registry_http = self.http()
            registries[host] = Registry(self._registry_http, host, username, password, self.params.get("plain_http"))
        return registries[host]

    def references(self, texts, default_tag=None):
        """Parse image references and make their registries, so that a bad reference or a
        credential that would go to the wrong host fails before any request."""
        refs = [parse_reference(text, default_tag=default_tag) for text in texts]
        for ref in refs:
            self.registry(ref.api_host)
        return refs

    def pulp(self):
        if not self.params.get("pulp_url"):
            raise InvalidInput("pulp_url is required: set it, or the environment variable PULP_URL")
        pulp = PulpClient(self.http(), self.params["pulp_url"], self.params.get("username"),
                          self.params.get("password"), timeout=self.params.get("timeout") or 600)
        self._pulps.append(pulp)
        return pulp

    def diff(self, before, after, name=None):
        """Add one object's before/after to the run's diff (keyed by name when several)."""
        if name is None:
            self._diff_before.update(before or {})
            self._diff_after.update(after or {})
        else:
            if before:
                self._diff_before[name] = before
            if after:
                self._diff_after[name] = after

    def report(self, outcome, key):
        """Record one ensure() outcome under ``key`` of the result."""
        self.result["changed"] = self.result["changed"] or outcome.changed
        self.result[key] = outcome.obj
        self.diff(outcome.before, outcome.after)
