# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""containers/image's configuration files: policy.json and registries.d. Pure.

policy.json is parsed the way containers/image parses it (``signature/policy_config*.go``,
``ParanoidUnmarshalJSONObject``): any unknown, duplicate or mistyped key rejects the whole file,
and with it every pull on the host. So everything is validated for one containers/image version,
and a refusal names the key's path in the file, the version that introduced the key and the
host's version.

Two levels of checking:

- ``validate_policy`` / ``load_policy`` accept exactly what containers/image accepts, so an
  existing file is refused only where containers/image would refuse it too;
- what this collection writes is held to more: docker scopes in the fully expanded form
  (containers/image accepts any string there, and a scope that can never match silently leaves
  the images to the ``default``), absolute key paths, and no requirement that containers/image
  parses but then rejects every image with (``signedBaseLayer``, ``keyType`` other than GPGKeys).

registries.d files are merged by containers/image from every ``*.yaml`` of the directory; a scope
defined in two files is an error that breaks every pull, so ``other_definitions`` finds them.
containers/image itself reads those files leniently (unknown keys are ignored), which turns a typo
into a silently unused setting: this module refuses unknown keys instead.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import copy
import json
import os
import posixpath
import re
import traceback

from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput
from ansible_collections.signed.registry.plugins.module_utils._identity import check_identity_rule
from ansible_collections.signed.registry.plugins.module_utils._reference import parse_reference

try:
    import yaml
except ImportError:  # pragma: no cover - ansible-core depends on PyYAML
    HAS_YAML = False
    YAML_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_YAML = True
    YAML_IMPORT_ERROR = None

DEFAULT_POLICY_PATH = "/etc/containers/policy.json"

# -- containers/image versions ---------------------------------------------------------------

# When containers/image started to accept each feature (read in signature/policy_config*.go,
# signature/policy_types.go and docker/policyconfiguration/naming.go at each tag; nothing has
# been removed since, up to 5.40). An older version refuses the whole policy.json with
# 'Unknown key' or 'Unknown policy requirement type'; a wildcard scope is accepted but never
# matches before 5.10.
FEATURES = {
    "remapIdentity": (5, 9),
    "wildcard scopes": (5, 10),
    "sigstoreSigned": (5, 22),
    "signedBy.keyPaths": (5, 22),
    "sigstoreSigned.fulcio": (5, 24),
    "sigstoreSigned.rekorPublicKeyPath": (5, 24),
    "sigstoreSigned.rekorPublicKeyData": (5, 24),
    "sigstoreSigned.keyPaths": (5, 33),
    "sigstoreSigned.keyDatas": (5, 33),
    "sigstoreSigned.rekorPublicKeyPaths": (5, 33),
    "sigstoreSigned.rekorPublicKeyDatas": (5, 33),
    "sigstoreSigned.pki": (5, 35),
}

# The containers/image minor version each skopeo / podman minor release vendors (go.mod at each
# tag). skopeo 1.9 upstream vendors 5.22, Debian 12 builds it with 5.23.1: both accept the same
# fields, listed as 5.23 like podman 4.3 from the same Debian release.
TOOL_VERSIONS = {
    "skopeo": {
        (1, 9): (5, 23), (1, 10): (5, 23), (1, 11): (5, 24), (1, 12): (5, 25), (1, 13): (5, 26),
        (1, 14): (5, 29), (1, 15): (5, 30), (1, 16): (5, 32), (1, 17): (5, 33), (1, 18): (5, 34),
        (1, 19): (5, 35), (1, 20): (5, 36), (1, 21): (5, 38), (1, 22): (5, 39),
    },
    "podman": {
        (4, 2): (5, 22), (4, 3): (5, 23), (4, 4): (5, 24), (4, 5): (5, 25), (4, 6): (5, 26),
        (4, 7): (5, 28), (4, 8): (5, 29), (4, 9): (5, 29), (5, 0): (5, 30), (5, 1): (5, 31),
        (5, 2): (5, 32), (5, 3): (5, 33), (5, 4): (5, 34), (5, 5): (5, 35), (5, 6): (5, 36),
        (5, 7): (5, 38), (5, 8): (5, 39),
    },
}
NEWEST_KNOWN = (5, 39)


def format_version(version):
    return "%d.%d" % version


def parse_version(text, option="containers_image_version"):
    """'5.23', '5.23.1' or 'v5.23.1' -> (5, 23)."""
    match = re.match(r"^v?(\d+)\.(\d+)(?:\.\d+)?$", str(text).strip())
    if not match or match.group(1) != "5":
        raise InvalidInput("%s must be a containers/image 5.x version such as 5.23 or 5.34.0, got %r"
                           % (option, text))
    return int(match.group(1)), int(match.group(2))


def version_from_tool(tool, output):
    """(containers/image version, tool version text, warning or None) from ``<tool> --version``.

    The version is None when the tool is older than the table: the caller must then be told the
    version. A tool newer than the table is taken as the newest version known here, which is
    safe because containers/image only ever added policy fields.
    """
    match = re.search(r"version (\d+)\.(\d+)(\.\d+)?", output or "")
    if not match or tool not in TOOL_VERSIONS:
        return None, (output or "").strip(), None
    release = (int(match.group(1)), int(match.group(2)))
    text = "%s %s" % (tool, match.group(0).split(" ", 1)[1])
    table = TOOL_VERSIONS[tool]
    if release in table:
        return table[release], text, None
    if release > max(table):
        return NEWEST_KNOWN, text, ("%s is newer than the versions this module knows; validated for containers/image %s, "
                                    "the newest it knows" % (text, format_version(NEWEST_KNOWN)))
    return None, text, None


def _since(feature, version, where, host):
    """``host``: where the version comes from, e.g. 'skopeo 1.9.3' or 'containers_image_version'."""
    needed = FEATURES[feature]
    if version < needed:
        raise InvalidInput("%s: %s needs containers/image %s or newer, and this host has containers/image %s%s, "
                           "which refuses the whole policy.json with it"
                           % (where, feature, format_version(needed), format_version(version),
                              " (%s)" % host if host else ""))


# -- strict JSON -----------------------------------------------------------------------------

def _pairs_without_duplicates(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise ValueError('Duplicate key "%s"' % key)
        result[key] = value
    return result


def _refuse_constant(name):
    raise ValueError("%s is not JSON" % name)


def loads_strict(data):
    """JSON as Go's decoder reads it: UTF-8, no duplicate keys, no NaN, nothing after the value."""
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    return json.loads(data, object_pairs_hook=_pairs_without_duplicates, parse_constant=_refuse_constant)


def dump_policy(doc):
    """policy.json text: 4-space indent as ``podman image trust set`` writes, key order kept, final newline."""
    return (json.dumps(doc, indent=4, ensure_ascii=False) + "\n").encode("utf-8")


# -- policy.json validation ------------------------------------------------------------------

REQUIREMENT_TYPES = ("insecureAcceptAnything", "reject", "signedBy", "sigstoreSigned", "signedBaseLayer")
GPG_KEY_TYPES = ("GPGKeys", "signedByGPGKeys", "X509Certificates", "signedByX509CAs")
IDENTITY_JSON_FIELDS = {
    "matchExact": (),
    "matchRepoDigestOrExact": (),
    "matchRepository": (),
    "exactReference": ("dockerReference",),
    "exactRepository": ("dockerRepository",),
    "remapIdentity": ("prefix", "signedPrefix"),
}
SIGNED_BY_FIELDS = ("type", "keyType", "keyPath", "keyPaths", "keyData", "signedIdentity")
SIGSTORE_FIELDS = ("type", "keyPath", "keyPaths", "keyData", "keyDatas", "fulcio", "pki", "rekorPublicKeyPath",
                   "rekorPublicKeyPaths", "rekorPublicKeyData", "rekorPublicKeyDatas", "signedIdentity")
SIGSTORE_KEY_SOURCES = ("keyPath", "keyPaths", "keyData", "keyDatas", "fulcio", "pki")
REKOR_FIELDS = ("rekorPublicKeyPath", "rekorPublicKeyPaths", "rekorPublicKeyData", "rekorPublicKeyDatas")
FULCIO_FIELDS = ("caPath", "caData", "oidcIssuer", "subjectEmail")
PKI_FIELDS = ("caRootsPath", "caRootsData", "caIntermediatesPath", "caIntermediatesData", "subjectEmail",
              "subjectHostname")
# What kind of value each field holds; *Data fields are base64, as Go's []byte in JSON.
_LISTS = ("keyPaths", "keyDatas", "rekorPublicKeyPaths", "rekorPublicKeyDatas")
_BASE64 = ("keyData", "keyDatas", "rekorPublicKeyData", "rekorPublicKeyDatas", "caData", "caRootsData",
           "caIntermediatesData")
_OBJECTS = ("fulcio", "pki", "signedIdentity", "baseLayerIdentity")

# The collection's snake_case names for policy.json's fields (requirements and signed_identity).
IDENTITY_OPTION_NAMES = {"dockerReference": "docker_reference", "dockerRepository": "docker_repository",
                         "signedPrefix": "signed_prefix"}
OPTION_NAMES = dict(IDENTITY_OPTION_NAMES, **{
    "keyType": "key_type", "keyPath": "key_path", "keyPaths": "key_paths", "keyData": "key_data",
    "keyDatas": "key_datas", "signedIdentity": "signed_identity", "rekorPublicKeyPath": "rekor_public_key_path",
    "rekorPublicKeyPaths": "rekor_public_key_paths", "rekorPublicKeyData": "rekor_public_key_data",
    "rekorPublicKeyDatas": "rekor_public_key_datas",
})


class _Context:
    """Where messages point, which names they use, and the version the result must suit."""

    def __init__(self, version=NEWEST_KNOWN, host=None, names=None):
        self.version = version
        self.host = host
        self.names = names or {}

    def at(self, where, field):
        return "%s.%s" % (where, self.names.get(field, field))

    def since(self, feature, where):
        _since(feature, self.version, where, self.host)


def _object(value, where, allowed, ctx, required=()):
    if not isinstance(value, dict):
        raise InvalidInput("%s must be a JSON object, got %s" % (where, _json_type(value)))
    for key in value:
        if key not in allowed:
            raise InvalidInput('%s: unknown key "%s" (containers/image accepts only %s here)'
                               % (where, key, ", ".join(ctx.names.get(k, k) for k in allowed)))
    for key in required:
        if key not in value:
            raise InvalidInput("%s is missing" % ctx.at(where, key))


def _json_type(value):
    for kind, name in ((bool, "a boolean"), (dict, "an object"), (list, "a list"), (str, "a string"),
                       (int, "a number"), (float, "a number")):
        if isinstance(value, kind):
            return name
    return "null"


def _field(value, field, where, ctx):
    """Type of one field, as Go decodes it; empty values are refused (they can never verify anything)."""
    name = ctx.at(where, field)
    if field in _OBJECTS:
        if not isinstance(value, dict):
            raise InvalidInput("%s must be an object, got %s" % (name, _json_type(value)))
        return
    items = value if field in _LISTS else [value]
    if field in _LISTS and (not isinstance(value, list) or not value):
        raise InvalidInput("%s must be a non-empty list of strings" % name)
    for item in items:
        if not isinstance(item, str) or not item:
            raise InvalidInput("%s must be %s, got %s" % (
                name, "a list of non-empty strings" if field in _LISTS else "a non-empty string",
                json.dumps(value)))
        if field in _BASE64:
            try:
                base64.b64decode(item.replace("\n", "").replace("\r", ""), validate=True)
            except (binascii.Error, ValueError):
                raise InvalidInput("%s must be base64 (policy.json holds the key file's bytes in base64)" % name)


def _exactly_one(req, fields, where, ctx):
    given = [f for f in fields if f in req]
    if len(given) != 1:
        raise InvalidInput("%s: exactly one of %s must be set, %s" % (
            where, ", ".join(ctx.names.get(f, f) for f in fields),
            "none is" if not given else "got " + ", ".join(ctx.names.get(f, f) for f in given)))


def _identity(value, where, ctx):
    if not isinstance(value, dict) or value.get("type") not in IDENTITY_JSON_FIELDS:
        raise InvalidInput("%s.type must be one of %s, got %s" % (
            where, ", ".join(IDENTITY_JSON_FIELDS), json.dumps(value.get("type") if isinstance(value, dict) else value)))
    kind = value["type"]
    if kind == "remapIdentity":
        ctx.since("remapIdentity", where)
    needed = IDENTITY_JSON_FIELDS[kind]
    _object(value, where, ("type",) + needed, ctx, required=needed)
    for field in needed:
        _field(value[field], field, where, ctx)
    try:
        if kind == "exactReference":
            ref = parse_reference(value["dockerReference"])
            if not (ref.tag or ref.digest):
                raise InvalidInput("it contains neither a tag nor a digest")
        elif kind == "exactRepository":
            parse_reference(value["dockerRepository"])
    except InvalidInput as exc:
        raise InvalidInput("%s: %s" % (ctx.at(where, needed[0]), exc))
    for field in ("prefix", "signedPrefix") if kind == "remapIdentity" else ():
        if not _remap_prefix_ok(value[field]):
            raise InvalidInput("%s %r is not valid: it must be a host[:port] or a host[:port]/repository prefix"
                               % (ctx.at(where, field), value[field]))


_DOMAIN = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*" \
          r"(?::[0-9]+)?"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*"
_DOMAIN_RE = re.compile(r"^%s$" % _DOMAIN)
_NAME_WITH_DOMAIN_RE = re.compile(r"^%s/%s(?:/%s)*$" % (_DOMAIN, _COMPONENT, _COMPONENT))


def _remap_prefix_ok(prefix):
    """containers/image's validateIdentityRemappingPrefix: a domain, or a name starting with one."""
    return bool(_DOMAIN_RE.match(prefix) or _NAME_WITH_DOMAIN_RE.match(prefix))


def _requirement(req, where, ctx):
    if not isinstance(req, dict):
        raise InvalidInput("%s must be a JSON object, got %s" % (where, _json_type(req)))
    kind = req.get("type")
    if kind not in REQUIREMENT_TYPES:
        raise InvalidInput("%s.type must be one of %s, got %s"
                           % (where, ", ".join(REQUIREMENT_TYPES), json.dumps(kind)))
    if kind in ("insecureAcceptAnything", "reject"):
        _object(req, where, ("type",), ctx)
    elif kind == "signedBaseLayer":
        _object(req, where, ("type", "baseLayerIdentity"), ctx, required=("baseLayerIdentity",))
        _identity(req["baseLayerIdentity"], ctx.at(where, "baseLayerIdentity"), ctx)
    elif kind == "signedBy":
        _signed_by(req, where, ctx)
    else:
        _sigstore_signed(req, where, ctx)


def _signed_by(req, where, ctx):
    _object(req, where, SIGNED_BY_FIELDS, ctx, required=("keyType",))
    if "keyPaths" in req:
        ctx.since("signedBy.keyPaths", ctx.at(where, "keyPaths"))
    if req["keyType"] not in GPG_KEY_TYPES:
        raise InvalidInput("%s must be one of %s, got %s"
                           % (ctx.at(where, "keyType"), ", ".join(GPG_KEY_TYPES), json.dumps(req["keyType"])))
    _exactly_one(req, ("keyPath", "keyPaths", "keyData"), where, ctx)
    for field in ("keyPath", "keyPaths", "keyData", "signedIdentity"):
        if field in req:
            _field(req[field], field, where, ctx)
    if "signedIdentity" in req:
        _identity(req["signedIdentity"], ctx.at(where, "signedIdentity"), ctx)


def _sigstore_signed(req, where, ctx):
    ctx.since("sigstoreSigned", where)
    _object(req, where, SIGSTORE_FIELDS, ctx)
    for field in req:
        if "sigstoreSigned." + field in FEATURES:
            ctx.since("sigstoreSigned." + field, ctx.at(where, field))
    for field in SIGSTORE_FIELDS[1:]:
        if field in req:
            _field(req[field], field, where, ctx)
    _exactly_one(req, SIGSTORE_KEY_SOURCES, where, ctx)
    rekor = [f for f in REKOR_FIELDS if f in req]
    if len(rekor) > 1:
        raise InvalidInput("%s: at most one of %s can be set, got %s"
                           % (where, ", ".join(ctx.names.get(f, f) for f in REKOR_FIELDS),
                              ", ".join(ctx.names.get(f, f) for f in rekor)))
    if "fulcio" in req:
        if not rekor:
            raise InvalidInput("%s: fulcio needs a Rekor public key: set one of %s"
                               % (where, ", ".join(ctx.names.get(f, f) for f in REKOR_FIELDS)))
        _fulcio(req["fulcio"], ctx.at(where, "fulcio"), ctx)
    if "pki" in req:
        if rekor:
            raise InvalidInput("%s: %s cannot be used with pki" % (where, ctx.names.get(rekor[0], rekor[0])))
        _pki(req["pki"], ctx.at(where, "pki"), ctx)
    if "signedIdentity" in req:
        _identity(req["signedIdentity"], ctx.at(where, "signedIdentity"), ctx)


def _fulcio(value, where, ctx):
    _object(value, where, FULCIO_FIELDS, ctx, required=("oidcIssuer", "subjectEmail"))
    for field in value:
        _field(value[field], field, where, ctx)
    _exactly_one(value, ("caPath", "caData"), where, ctx)


def _pki(value, where, ctx):
    _object(value, where, PKI_FIELDS, ctx)
    for field in value:
        _field(value[field], field, where, ctx)
    _exactly_one(value, ("caRootsPath", "caRootsData"), where, ctx)
    if "caIntermediatesPath" in value and "caIntermediatesData" in value:
        raise InvalidInput("%s: caIntermediatesPath and caIntermediatesData cannot both be set" % where)
    if "subjectEmail" not in value and "subjectHostname" not in value:
        raise InvalidInput("%s: at least one of subjectEmail, subjectHostname must be set" % where)


def validate_requirements(reqs, where, version=NEWEST_KNOWN, host=None, names=None):
    """A requirement list as containers/image ``version`` parses it; raises InvalidInput naming the path."""
    ctx = _Context(version, host, names)
    if not isinstance(reqs, list) or not reqs:
        raise InvalidInput("%s must be a non-empty list of requirements (containers/image refuses an empty one)"
                           % where)
    for index, req in enumerate(reqs):
        _requirement(req, "%s[%d]" % (where, index), ctx)


def scope_path(transport, scope):
    """Where an entry is in the file, for messages: ``default`` or ``transports.docker["host/ns"]``."""
    return "default" if transport is None else "transports.%s[%s]" % (transport, json.dumps(scope))


def validate_policy(doc, version=NEWEST_KNOWN, host=None):
    """The whole document as containers/image ``version`` parses it."""
    ctx = _Context(version, host)
    _object(doc, "policy.json", ("default", "transports"), ctx, required=("default",))
    validate_requirements(doc["default"], "default", version, host)
    transports = doc.get("transports", {})
    if not isinstance(transports, dict):
        raise InvalidInput("transports must be a JSON object, got %s" % _json_type(transports))
    for transport, scopes in transports.items():
        if not isinstance(scopes, dict):
            raise InvalidInput("transports.%s must be a JSON object of scopes, got %s" % (transport, _json_type(scopes)))
        for scope, reqs in scopes.items():
            where = scope_path(transport, scope)
            if scope:
                problem = transport_scope_problem(transport, scope)
                if problem:
                    raise InvalidInput("%s: %s; containers/image refuses the whole policy.json with it" % (where, problem))
            validate_requirements(reqs, where, version, host)


def load_policy(data, version=NEWEST_KNOWN):
    """Parse and validate policy.json bytes (JSON errors become InvalidInput)."""
    try:
        doc = loads_strict(data)
    except ValueError as exc:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise InvalidInput("not valid JSON: %s" % exc)
    validate_policy(doc, version)
    return doc


# -- scopes ----------------------------------------------------------------------------------

def _go_clean(path):
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def _absolute_clean(scope):
    if not scope.startswith("/"):
        return "must be an absolute path"
    if scope == "/":
        return 'must not be "/" (use the transport\'s default scope "" instead)'
    if _go_clean(scope) != scope:
        return "is not in canonical form, use %s" % _go_clean(scope)
    return None


def _storage_scope(scope):
    match = re.match(r"^\[([^\]]*)\]", scope)
    if not match:
        return "must start with [driver@/graph/root] or [/graph/root]"
    store = match.group(1).split("@", 1)
    root = store[-1]
    if any(not part for part in store) or not root.startswith("/"):
        return "must name an absolute store path in its [driver@/graph/root] prefix"
    return None


# containers/image's ValidatePolicyConfigurationScope of each transport it builds in. An invalid
# scope is an 'Unknown key' that rejects the whole file, so these apply to existing files too.
_TRANSPORT_SCOPES = {
    "docker": lambda scope: None,
    "atomic": lambda scope: None if re.match(r"^[^/]*(/[^:/]*(/[^:/]*(:[^:/]*)?)?)?$", scope)
    else "must be HOSTNAME/namespace/stream:tag or a parent of it",
    "dir": _absolute_clean,
    "oci": _absolute_clean,
    "oci-archive": _absolute_clean,
    "sif": _absolute_clean,
    "ostree": lambda scope: None if ":" in scope and scope.startswith("/")
    and _go_clean(scope.split(":", 1)[0]) == scope.split(":", 1)[0] else "must be /canonical/repo/path:ref",
    "docker-archive": lambda scope: 'accepts no scope but the default ""',
    "tarball": lambda scope: 'accepts no scope but the default ""',
    "docker-daemon": lambda scope: "must not be an algo:digest value"
    if re.match(r"^(sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$", scope) else None,
    "containers-storage": _storage_scope,
}
TRANSPORTS = tuple(sorted(_TRANSPORT_SCOPES))


def transport_scope_problem(transport, scope):
    """Why containers/image refuses ``scope`` for ``transport``, or None (unknown transports take any)."""
    check = _TRANSPORT_SCOPES.get(transport)
    return check(scope) if check else None


_WILDCARD_RE = re.compile(r"^\*\.((?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
                          r"(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*)$")


def check_docker_scope(scope, option="scope", version=NEWEST_KNOWN, host=None):
    """Refuse a docker scope that can never match a pulled image.

    containers/image accepts any string as a docker scope, and one not in the fully expanded form
    that image names are matched in (``docker.io/library/busybox``, ``host:port/ns``) is silently
    never used: the images then fall to the ``default`` requirements.
    """
    example = "host[:port], host[:port]/namespace, host[:port]/repository[:tag|@digest] or *.domain"
    if not isinstance(scope, str) or not scope or scope != scope.strip():
        raise InvalidInput("%s must be a docker scope (%s), got %r" % (option, example, scope))
    if scope.startswith("*"):
        if not _WILDCARD_RE.match(scope):
            raise InvalidInput("%s %r is not a wildcard domain such as *.example.com (no port, no path)" % (option, scope))
        _since("wildcard scopes", version, option, host)
        return scope
    host_part = scope.split("/", 1)[0]
    expanded = "." in host_part or ":" in host_part or host_part == "localhost"
    if "/" not in scope:
        if not expanded or not _DOMAIN_RE.match(scope):
            raise InvalidInput("%s %r is not a registry host: image names are matched fully expanded "
                               "(docker.io/library/%s, not %s); a scope is %s" % (option, scope, scope, scope, example))
        return scope
    if not expanded:
        raise InvalidInput("%s %r does not start with a registry host: image names are matched fully "
                           "expanded, e.g. docker.io/%s" % (option, scope, scope))
    if host_part in ("index.docker.io", "registry-1.docker.io"):
        raise InvalidInput("%s %r is never matched: containers/image names Docker Hub images docker.io/..."
                           % (option, scope))
    try:
        ref = parse_reference(scope)
    except InvalidInput as exc:
        raise InvalidInput("%s is not a docker scope (%s): %s" % (option, example, exc))
    if ref.tag and ref.digest:
        raise InvalidInput("%s %r has both a tag and a digest, which no image reference is matched by" % (option, scope))
    # Without a tag or digest, docker.io/name may be a namespace (docker.io/name/app), so only a
    # reference with a tag or digest can be compared with its normalised form (docker.io/library/...).
    if (ref.tag or ref.digest) and str(ref) != scope:
        raise InvalidInput("%s %r is never matched: containers/image matches the fully expanded name %s"
                           % (option, scope, ref))
    return scope


# -- requirements the collection writes ------------------------------------------------------

REQUIREMENT_OPTION_FIELDS = {
    "insecureAcceptAnything": (),
    "reject": (),
    "signedBy": ("key_type", "key_path", "key_paths", "key_data", "signed_identity"),
    "sigstoreSigned": ("key_path", "key_paths", "key_data", "key_datas", "fulcio", "pki", "rekor_public_key_path",
                       "rekor_public_key_paths", "rekor_public_key_data", "rekor_public_key_datas",
                       "signed_identity"),
}
_FIELD_OF_OPTION = dict((option, field) for field, option in OPTION_NAMES.items())
_FIELD_OF_OPTION.update(fulcio="fulcio", pki="pki")
_PATH_FIELDS = ("keyPath", "keyPaths", "rekorPublicKeyPath", "rekorPublicKeyPaths")


def _encode_key_text(text, where):
    """PEM / armoured text -> base64 of the file's bytes (with its final newline, as a file has)."""
    if not isinstance(text, str) or not text.lstrip().startswith("-----BEGIN "):
        raise InvalidInput("%s must be the key's PEM (or ASCII-armoured GPG) text, starting with -----BEGIN; "
                           "it is stored base64-encoded in policy.json" % where)
    if not text.endswith("\n"):
        text += "\n"
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def identity_to_policy(rule, option="signed_identity"):
    """The collection's ``signed_identity`` dict -> policy.json's signedIdentity object, validated."""
    if not isinstance(rule, dict):
        raise InvalidInput("%s must be a dict with type and the fields that type needs" % option)
    rule = check_identity_rule(rule, option)
    result = dict((_FIELD_OF_OPTION.get(k, k), v) for k, v in rule.items())
    _identity(result, option, _Context(names=OPTION_NAMES))
    return result


def identity_from_policy(value, where="signedIdentity"):
    """policy.json's signedIdentity object -> the collection's ``signed_identity`` dict."""
    _identity(value, where, _Context())
    return dict((IDENTITY_OPTION_NAMES.get(k, k), v) for k, v in value.items())


def requirement_from_options(options, where):
    """One ``requirements`` item (snake_case, unset options None) -> the policy.json object, in a stable key order."""
    options = dict((k, v) for k, v in options.items() if v is not None)
    kind = options.get("type")
    if kind not in REQUIREMENT_OPTION_FIELDS:
        raise InvalidInput("%s.type must be one of %s, got %r" % (where, ", ".join(REQUIREMENT_OPTION_FIELDS), kind))
    allowed = REQUIREMENT_OPTION_FIELDS[kind]
    for option in options:
        if option != "type" and option not in allowed:
            raise InvalidInput("%s.%s is not used with type %s%s" % (
                where, option, kind, " (it takes %s)" % ", ".join(allowed) if allowed else " (it takes no other field)"))
    result = {"type": kind}
    if kind == "signedBy":
        result["keyType"] = options.get("key_type", "GPGKeys")
    for option in allowed:
        if option not in options or option == "key_type":
            continue
        value = options[option]
        at = "%s.%s" % (where, option)
        if option in ("key_data", "rekor_public_key_data"):
            value = _encode_key_text(value, at)
        elif option in ("key_datas", "rekor_public_key_datas"):
            if not isinstance(value, list):
                raise InvalidInput("%s must be a list of PEM texts" % at)
            value = [_encode_key_text(v, "%s[%d]" % (at, i)) for i, v in enumerate(value)]
        elif option == "signed_identity":
            value = identity_to_policy(value, at)
        result[_FIELD_OF_OPTION[option]] = value
    return result


def check_written_requirements(reqs, where, names=None):
    """What this collection writes is held to more than containers/image's parser (see the module docstring)."""
    names = names or {}
    for index, req in enumerate(reqs):
        at = "%s[%d]" % (where, index)
        if req.get("type") == "signedBaseLayer":
            raise InvalidInput("%s: containers/image does not implement signedBaseLayer; it rejects every image with it"
                               % at)
        if req.get("type") == "signedBy" and req.get("keyType") != "GPGKeys":
            raise InvalidInput('%s.%s: containers/image implements only "GPGKeys"; with %s it rejects every image'
                               % (at, names.get("keyType", "keyType"), json.dumps(req.get("keyType"))))
        paths = [(f, p) for f in _PATH_FIELDS if f in req for p in (req[f] if isinstance(req[f], list) else [req[f]])]
        for sub, fields in (("fulcio", ("caPath",)), ("pki", ("caRootsPath", "caIntermediatesPath"))):
            if isinstance(req.get(sub), dict):
                paths += [("%s.%s" % (sub, f), req[sub][f]) for f in fields if f in req[sub]]
        for field, path in paths:
            if isinstance(path, str) and not path.startswith("/"):
                raise InvalidInput("%s.%s must be an absolute path, got %r: containers/image opens it relative to "
                                   "the working directory of each podman or skopeo run" % (at, names.get(field, field), path))


def key_files(reqs):
    """Every local file the requirements name (keys, Rekor keys, CA certificates)."""
    files = []
    for req in reqs:
        for field in _PATH_FIELDS:
            value = req.get(field)
            files += value if isinstance(value, list) else [value] if value else []
        for sub, fields in (("fulcio", ("caPath",)), ("pki", ("caRootsPath", "caIntermediatesPath"))):
            files += [req[sub][f] for f in fields if isinstance(req.get(sub), dict) and req[sub].get(f)]
    return files


# -- policy.json edits -----------------------------------------------------------------------

def new_policy(default_requirements):
    return {"default": copy.deepcopy(default_requirements)}


def get_entry(doc, transport=None, scope=None):
    """The requirement list at ``default`` (transport None) or at transports[transport][scope]; None if unset."""
    if doc is None:
        return None
    if transport is None:
        return doc.get("default")
    return doc.get("transports", {}).get(transport, {}).get(scope)


def set_entry(doc, transport, scope, requirements):
    """A copy of ``doc`` with one entry set; every other key keeps its value and place, a new scope goes last."""
    doc = copy.deepcopy(doc)
    if transport is None:
        doc["default"] = copy.deepcopy(requirements)
    else:
        doc.setdefault("transports", {}).setdefault(transport, {})[scope] = copy.deepcopy(requirements)
    return doc


def remove_entry(doc, transport, scope):
    """A copy of ``doc`` without transports[transport][scope]; a transport left empty goes too."""
    doc = copy.deepcopy(doc)
    transports = doc.get("transports", {})
    scopes = transports.get(transport, {})
    scopes.pop(scope, None)
    if transport in transports and not scopes:
        del transports[transport]
        if not transports:
            del doc["transports"]
    return doc


# -- registries.d ----------------------------------------------------------------------------

SECTION_KEYS = ("lookaside", "lookaside-staging", "sigstore", "sigstore-staging", "use-sigstore-attachments")
REGISTRIES_D_KEYS = ("default-docker", "docker")
DEFAULT_DOCKER = "default-docker"

if HAS_YAML:
    class _StrictLoader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
        """safe_load that refuses duplicate keys and reads only YAML 1.2 booleans, as Go's yaml.v3 does."""

        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, dummy in node.value:
                key = self.construct_object(key_node, deep=deep)
                try:
                    duplicate = key in seen
                except TypeError:
                    duplicate = False  # unhashable: the base class reports it
                if duplicate:
                    raise yaml.constructor.ConstructorError(None, None, "duplicate key %r" % (key,), key_node.start_mark)
                if not isinstance(key, (list, dict)):
                    seen.add(key)
            return yaml.SafeLoader.construct_mapping(self, node, deep)

    _BOOL_TAG = "tag:yaml.org,2002:bool"
    _StrictLoader.yaml_implicit_resolvers = dict(
        (first, [r for r in resolvers if r[0] != _BOOL_TAG])
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items())
    _StrictLoader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def _section(value, where):
    if value is None:
        return  # an empty section: containers/image takes it, and it still claims the scope
    if not isinstance(value, dict):
        raise InvalidInput("%s must be a mapping of %s" % (where, ", ".join(SECTION_KEYS)))
    for key, item in value.items():
        if key not in SECTION_KEYS:
            raise InvalidInput('%s: unknown key "%s" (registries.d sections take %s; containers/image would '
                               "silently ignore it)" % (where, key, ", ".join(SECTION_KEYS)))
        if key == "use-sigstore-attachments":
            if not isinstance(item, bool):
                raise InvalidInput("%s.%s must be true or false, got %r" % (where, key, item))
        elif not isinstance(item, str) or not item:
            raise InvalidInput("%s.%s must be a URL, got %r" % (where, key, item))


def validate_registries_d(doc):
    if not isinstance(doc, dict):
        raise InvalidInput("the top level must be a mapping with %s" % " and/or ".join(REGISTRIES_D_KEYS))
    for key in doc:
        if key not in REGISTRIES_D_KEYS:
            raise InvalidInput('unknown top-level key "%s" (registries.d files take %s; containers/image would '
                               "silently ignore it)" % (key, " and ".join(REGISTRIES_D_KEYS)))
    if DEFAULT_DOCKER in doc:
        _section(doc[DEFAULT_DOCKER], DEFAULT_DOCKER)
    docker = doc.get("docker")
    if "docker" in doc and docker is not None:
        if not isinstance(docker, dict):
            raise InvalidInput("docker must be a mapping of scopes to sections")
        for scope, section in docker.items():
            if not isinstance(scope, str):
                raise InvalidInput("docker: scope %r must be a string" % (scope,))
            _section(section, "docker[%s]" % json.dumps(scope))


def load_registries_d(data):
    """Parse and validate a registries.d file's bytes; an empty file is an empty mapping."""
    try:
        doc = yaml.load(data.decode("utf-8"), Loader=_StrictLoader)  # a SafeLoader subclass
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InvalidInput("not valid YAML: %s" % exc)
    doc = {} if doc is None else doc
    validate_registries_d(doc)
    return doc


def dump_registries_d(doc):
    """Block-style YAML, key order kept (new scopes last), final newline."""
    return yaml.safe_dump(doc, default_flow_style=False, sort_keys=False, allow_unicode=True,
                          width=1000).encode("utf-8")


def section_from_options(lookaside=None, lookaside_staging=None, use_sigstore_attachments=None):
    """The section in registries.d's own key names, in a stable order; unset settings are left out."""
    section = {}
    for key, value in (("lookaside", lookaside), ("lookaside-staging", lookaside_staging),
                       ("use-sigstore-attachments", use_sigstore_attachments)):
        if value is not None:
            section[key] = value
    for key in ("lookaside", "lookaside-staging"):
        if key in section and not re.match(r"^(https?|file)://[^\s]+$", section[key]):
            raise InvalidInput("%s must be an http://, https:// or file:// URL, got %r"
                               % (key.replace("-", "_"), section[key]))
    return section


def get_section(doc, scope=None):
    """The section of ``scope`` (None: default-docker); None when the file has none."""
    if scope is None:
        return doc.get(DEFAULT_DOCKER)
    return (doc.get("docker") or {}).get(scope)


def has_section(doc, scope=None):
    return DEFAULT_DOCKER in doc if scope is None else scope in (doc.get("docker") or {})


def set_section(doc, scope, section):
    doc = copy.deepcopy(doc)
    if scope is None:
        doc[DEFAULT_DOCKER] = copy.deepcopy(section)
    else:
        if doc.get("docker") is None:
            doc["docker"] = {}
        doc["docker"][scope] = copy.deepcopy(section)
    return doc


def remove_section(doc, scope):
    """A copy without the section; an emptied ``docker`` mapping goes too."""
    doc = copy.deepcopy(doc)
    if scope is None:
        doc.pop(DEFAULT_DOCKER, None)
    elif doc.get("docker"):
        doc["docker"].pop(scope, None)
        if not doc["docker"]:
            del doc["docker"]
    return doc


def other_definitions(path, scope=None):
    """(file, error) for every other ``*.yaml`` in ``path``'s directory that defines the same section.

    containers/image merges every ``*.yaml`` of the directory and refuses a scope (or
    default-docker) that two of them define; a file that does not parse breaks it all the same.
    """
    directory = os.path.dirname(os.path.abspath(path))
    own = os.path.basename(path)
    found = []
    for name in sorted(os.listdir(directory)):
        other = os.path.join(directory, name)
        if name == own or not name.endswith(".yaml") or not os.path.isfile(other):
            continue
        try:
            with open(other, "rb") as handle:
                doc = load_registries_d(handle.read())
        except (InvalidInput, IOError, OSError) as exc:
            found.append((other, "%s cannot be read (%s), and containers/image refuses the whole directory"
                          % (other, exc)))
            continue
        if has_section(doc, scope):
            what = '"default-docker"' if scope is None else '"docker" namespace "%s"' % scope
            found.append((other, "%s is already defined in %s: containers/image refuses the directory with "
                                 "'%s defined both in \"%s\" and \"%s\"'" % (what, other, what, other, path)))
    return found
