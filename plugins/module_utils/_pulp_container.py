# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""pulp_container's entities as the modules describe them: option specs, the desired Pulp
fields built from module options, and syncs. Shared by the single-resource modules and
pulp_container_mirrors so that both mean the same thing by the same option.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from urllib.parse import urlparse, urlsplit
except ImportError:  # pragma: no cover - Python 2
    from urlparse import urlparse, urlsplit

from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput
from ansible_collections.signed.registry.plugins.module_utils._oci import Registry
from ansible_collections.signed.registry.plugins.module_utils._pulp import (
    CONTENT_GUARDS,
    REMOTES,
    SIGNING_SERVICES,
)
from ansible_collections.signed.registry.plugins.module_utils._reference import COMPANION_TAG

# Module option -> Pulp field, where the module's vocabulary differs from Pulp's.
REMOTE_FIELD_NAMES = {
    "remote_ca_cert": "ca_cert",
    "remote_username": "username",
    "remote_password": "password",
}
REMOTE_PLAIN_OPTIONS = (
    "url", "upstream_name", "policy", "sigstore", "tls_validation", "remote_ca_cert",
    "client_cert", "proxy_url", "download_concurrency", "max_retries", "rate_limit",
    "total_timeout", "connect_timeout", "sock_connect_timeout", "sock_read_timeout", "headers",
    "pulp_labels",
)
REMOTE_WRITE_ONLY_OPTIONS = ("remote_username", "remote_password", "client_key", "proxy_username",
                             "proxy_password")
REMOTE_SECRETS = ("remote_password", "client_key", "proxy_password", "password")
REMOTE_URL_OPTIONS = ("url", "proxy_url", "sigstore")
# Renamed in pulp-container 2.28; older servers only know the *_tags names.
FILTERS_RENAMED_IN = (2, 28)

REMOTE_ARGUMENT_SPEC = dict(
    url=dict(type="str"),
    upstream_name=dict(type="str"),
    includes=dict(type="list", elements="str"),
    excludes=dict(type="list", elements="str"),
    policy=dict(type="str", choices=["immediate", "on_demand", "streamed"]),
    sigstore=dict(type="str"),
    tls_validation=dict(type="bool"),
    remote_ca_cert=dict(type="str"),
    client_cert=dict(type="str"),
    client_key=dict(type="str", no_log=True),
    remote_username=dict(type="str"),
    remote_password=dict(type="str", no_log=True),
    proxy_url=dict(type="str"),
    proxy_username=dict(type="str"),
    proxy_password=dict(type="str", no_log=True),
    update_password=dict(type="str", default="on_create", choices=["always", "on_create"], no_log=False),
    download_concurrency=dict(type="int"),
    max_retries=dict(type="int"),
    rate_limit=dict(type="int"),
    total_timeout=dict(type="float"),
    connect_timeout=dict(type="float"),
    sock_connect_timeout=dict(type="float"),
    sock_read_timeout=dict(type="float"),
    headers=dict(type="list", elements="dict"),
    pulp_labels=dict(type="dict"),
)


def check_url(option, value, schemes=("http", "https")):
    """Refuse a URL Pulp could not use, naming the option, before anything is written."""
    if value in (None, ""):
        return
    parsed = urlparse(value)
    if parsed.username is not None or parsed.password is not None:
        # Pulp would keep them in a field it returns to every reader of the remote.
        raise InvalidInput("%s must not hold credentials (user:password@): give them as %s" % (
            option, "proxy_username and proxy_password" if option.endswith("proxy_url")
            else "remote_username and remote_password"))
    if parsed.scheme not in schemes or not parsed.netloc:
        raise InvalidInput("%s must be an absolute %s URL such as https://registry.example.com, got %r"
                           % (option, " or ".join(schemes), value))


def check_remote_options(params, prefix=""):
    for option in REMOTE_URL_OPTIONS:
        check_url(prefix + option, params.get(option))
    for option in ("download_concurrency", "max_retries", "rate_limit"):
        if params.get(option) is not None and params[option] < 0:
            raise InvalidInput("%s%s must not be negative, got %s" % (prefix, option, params[option]))
    for header in params.get("headers") or []:
        if len(header) != 1:
            raise InvalidInput("%sheaders must be a list of one-key dicts such as {'X-Token': 'abc'}, got %r"
                               % (prefix, header))


def filter_field_names(pulp, current):
    """('includes', 'excludes') or the pre-2.28 names, from the object itself when there is one."""
    if current is not None:
        new = "includes" in current
    else:
        new = pulp.versions().get("container", FILTERS_RENAMED_IN) >= FILTERS_RENAMED_IN
    return ("includes", "excludes") if new else ("include_tags", "exclude_tags")


def remote_state(pulp, params, current, prefix=""):
    """(desired fields, write-only fields) of a remote from module options."""
    check_remote_options(params, prefix)
    desired = {}
    for option in REMOTE_PLAIN_OPTIONS:
        value = params.get(option)
        if value is not None:
            desired[REMOTE_FIELD_NAMES.get(option, option)] = None if value == "" else value
    for option, field in zip(("includes", "excludes"), filter_field_names(pulp, current)):
        if params.get(option) is not None:
            desired[field] = params[option] or None
    write_only = dict((REMOTE_FIELD_NAMES.get(o, o), params.get(o)) for o in REMOTE_WRITE_ONLY_OPTIONS
                      if params.get(o) is not None)
    return desired, write_only


def repository_state(pulp, params, remote_href=None):
    """Desired fields of a repository; ``remote_href`` when the caller resolved it already."""
    desired = {}
    for field in ("description", "retain_repo_versions", "pulp_labels"):
        if params.get(field) is not None:
            desired[field] = params[field]
    if params.get("retain_repo_versions") is not None and params["retain_repo_versions"] < 0:
        raise InvalidInput("retain_repo_versions must be 0 (keep all) or a positive number, got %d"
                           % params["retain_repo_versions"])
    if remote_href is not None:
        desired["remote"] = remote_href
    elif params.get("remote") is not None:
        desired["remote"] = pulp.href_of(REMOTES, params["remote"], "Container remote") if params["remote"] else None
    if params.get("manifest_signing_service") is not None:
        name = params["manifest_signing_service"]
        desired["manifest_signing_service"] = pulp.href_of(SIGNING_SERVICES, name, "Signing service") if name else None
    return desired


def check_base_path(base_path, option="base_path"):
    if not base_path or base_path.startswith("/") or base_path.endswith("/") or "//" in base_path:
        raise InvalidInput("%s must be a relative path such as 'library/alpine' (no leading or trailing "
                           "'/'), got %r" % (option, base_path))
    if len(base_path) > 255:
        raise InvalidInput("%s must be at most 255 characters long" % option)


def distribution_state(pulp, params, repository_href=None):
    """Desired fields of a distribution: it serves a repository's latest version or a fixed one."""
    desired = {}
    if params.get("base_path") is not None:
        check_base_path(params["base_path"])
        desired["base_path"] = params["base_path"]
    for field in ("description", "private", "hidden", "pulp_labels"):
        if params.get(field) is not None:
            desired[field] = params[field]
    if params.get("content_guard") is not None:
        name = params["content_guard"]
        desired["content_guard"] = pulp.href_of(CONTENT_GUARDS, name, "Content guard") if name else None
    if repository_href is not None:
        if params.get("version") is not None:
            desired["repository"] = None
            desired["repository_version"] = "%sversions/%d/" % (repository_href, params["version"])
        else:
            desired["repository"] = repository_href
            desired["repository_version"] = None
    return desired


def detach_repository(pulp, distribution):
    """Unlink a distribution from its repository before deleting it.

    pulp-container deletes a container repository together with its last distribution; a
    user removing where content is served must not lose the content itself.
    """
    if distribution.get("repository") or distribution.get("repository_version"):
        pulp.update(distribution["pulp_href"], {"repository": None, "repository_version": None})


# -- sync ------------------------------------------------------------------------------------


def sync_body(remote_href, mirror=None, signed_only=None):
    body = {}
    if remote_href:
        body["remote"] = remote_href
    if mirror is not None:
        body["mirror"] = mirror
    if signed_only is not None:
        body["signed_only"] = signed_only
    return body


def version_summary(pulp, version_href):
    """A repository version as modules report it: href, number and content summary."""
    if not version_href:
        return None
    version = pulp.get(version_href)
    return {
        "pulp_href": version["pulp_href"],
        "number": version.get("number"),
        "content_summary": version.get("content_summary"),
    }


def created_version(task):
    """The repository version a sync task created, or None when nothing changed upstream."""
    for href in task.get("created_resources") or []:
        if "/versions/" in href:
            return href
    return None


# -- signing with a Pulp signing service ---------------------------------------------------------

SIGNATURES = "content/container/signatures/"
DEFAULT_PORTS = {"http": 80, "https": 443}


def pulp_registry(pulp, pulp_url, username, password):
    """(a registry client for Pulp's own /v2/, its host). It carries Pulp's session (cookie and
    CSRF token) instead of Basic auth: Pulp hashes a password on every request that carries one."""
    url = urlparse(pulp_url)
    return Registry(pulp.http, url.netloc, username, password, plain_http=url.scheme == "http",
                    headers=pulp.session_headers), url.netloc


def request_host(pulp_url):
    """The host Pulp sees in the request and names in its signatures: host[:port]."""
    parts = urlsplit(pulp_url)
    if parts.port and parts.port != DEFAULT_PORTS.get(parts.scheme):
        return "%s:%d" % (parts.hostname, parts.port)
    return parts.hostname


def signable_tags(present, requested=None):
    """The tags to sign, sorted: ``requested`` (each must be ``present``), else every image tag."""
    if requested is None:
        return sorted(name for name in present if not COMPANION_TAG.match(name))
    missing = sorted(set(requested) - set(present))
    if missing:
        raise InvalidInput("Tags %s are not in the latest version of the repository" % ", ".join(missing))
    return sorted(set(requested))


def signing_service(pulp, name, repository):
    """The signing service to sign with: the named one, else the repository's own."""
    if name:
        service = pulp.find(SIGNING_SERVICES, name=name)
        if service is None:
            raise InvalidInput("Signing service %r does not exist in Pulp at %s (pulpcore-manager "
                               "list-signing-services shows the registered ones)" % (name, pulp.base))
        return service
    if repository.get("manifest_signing_service"):
        return pulp.get(repository["manifest_signing_service"])
    raise InvalidInput("Container repository %r has no manifest_signing_service: set signing_service"
                       % repository["name"])


def signing_base_path(repository, distributions, future_base_path):
    """The base path Pulp names in the signatures, and whether to send it as future_base_path.

    Pulp takes the path of the one distribution that serves the repository and refuses a
    future_base_path then; with none or several, it needs one.
    """
    if len(distributions) == 1:
        current = distributions[0]["base_path"]
        if future_base_path not in (None, current):
            raise InvalidInput("future_base_path %r: container repository %r is served by one distribution, "
                               "at %r, and Pulp signs for that path" % (future_base_path, repository, current))
        return current, False
    if not future_base_path:
        raise InvalidInput("Container repository %r is served by %d distributions: set future_base_path to the "
                           "path clients will pull the signed images from" % (repository, len(distributions)))
    check_base_path(future_base_path, "future_base_path")
    return future_base_path, True


def signed_by(pulp, version_href, fingerprint):
    """Hrefs of the manifests that have a signature by the key ``fingerprint`` in the version."""
    # Pulp filters signatures by the 16-digit key id; the fingerprint makes it exact.
    signatures = pulp.list(SIGNATURES, repository_version=version_href, key_id=fingerprint[-16:].upper())
    return set(s["signed_manifest"] for s in signatures if (s.get("fingerprint") or "").upper() == fingerprint.upper())
