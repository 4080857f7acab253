# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A Sigstore trusted root (``trusted_root.json``, the protobuf-specs JSON that cosign's
``--trusted-root``, sigstore-go and sigstore-python read): the Fulcio CAs, Rekor log keys, CT log
keys and timestamp authorities a keyless signature is checked against, each with its validity
window. Parsed strictly enough that a malformed root is an error naming what is wrong, never a
root that trusts less (or more) than it says.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import datetime
import json
import os

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
except ImportError:  # pragma: no cover - the module reports cryptography missing before this is used
    pass

from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput
from ansible_collections.signed.registry.plugins.module_utils._files import path_or_content

MEDIA_TYPES = (
    "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    "application/vnd.dev.sigstore.trustedroot.v0.2+json",
)
# Where the sigstore package keeps the public-good root it ships (and refreshes over TUF).
SIGSTORE_PUBLIC_GOOD = os.path.join("_store", "https%3A%2F%2Ftuf-repo-cdn.sigstore.dev", "trusted_root.json")
MAX_ROOT_SIZE = 4 * 1024 * 1024


def parse_time(text, what):
    """An RFC 3339 time of protobuf JSON (``2021-01-12T11:53:27Z``, fractions allowed) in UTC."""
    if not isinstance(text, str) or not text.endswith("Z"):
        raise InvalidInput("%s must be an RFC 3339 time in UTC, got %r" % (what, text))
    head, _dot, fraction = text[:-1].partition(".")
    try:
        moment = datetime.datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
        if fraction:
            if not fraction.isdigit():
                raise ValueError
            moment += datetime.timedelta(microseconds=int((fraction + "000000")[:6]))
    except ValueError:
        raise InvalidInput("%s must be an RFC 3339 time in UTC, got %r" % (what, text))
    return moment


class Window:
    """When a key or CA may be used: from ``start`` to ``end`` (inclusive; open when None)."""

    def __init__(self, value, what):
        if not isinstance(value, dict) or "start" not in value:
            raise InvalidInput("%s.validFor must have a start" % what)
        self.start = parse_time(value["start"], "%s.validFor.start" % what)
        self.end = parse_time(value["end"], "%s.validFor.end" % what) if value.get("end") is not None else None

    def holds(self, moment):
        return self.start <= moment and (self.end is None or moment <= self.end)


def _b64(value, what):
    if not isinstance(value, str) or not value:
        raise InvalidInput("%s must be base64 text" % what)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("%s is not valid base64" % what)


class LogKey:
    """A transparency log (Rekor) or certificate transparency log key, known by its log id."""

    def __init__(self, entry, what):
        if not isinstance(entry, dict) or not isinstance(entry.get("publicKey"), dict):
            raise InvalidInput("%s must have a publicKey" % what)
        self.url = entry.get("baseUrl")
        der = _b64(entry["publicKey"].get("rawBytes"), "%s.publicKey.rawBytes" % what)
        try:
            self.key = serialization.load_der_public_key(der)
        except (ValueError, TypeError) as exc:
            raise InvalidInput("%s.publicKey is not a public key: %s" % (what, exc))
        self.window = Window(entry["publicKey"].get("validFor"), "%s.publicKey" % what)
        # Rekor v1 and CT logs name a key by the SHA-256 of its DER; Rekor v2 logs by their
        # checkpoint key id: the id is taken as the root declares it.
        self.log_id = _b64((entry.get("logId") or {}).get("keyId"), "%s.logId.keyId" % what)


class Authority:
    """A certificate authority (Fulcio) or timestamp authority: its chain, root last."""

    def __init__(self, entry, what):
        if not isinstance(entry, dict):
            raise InvalidInput("%s must be an object" % what)
        self.uri = entry.get("uri")
        certificates = (entry.get("certChain") or {}).get("certificates")
        if not isinstance(certificates, list) or not certificates:
            raise InvalidInput("%s.certChain.certificates must list at least one certificate" % what)
        self.chain = []
        for index, item in enumerate(certificates):
            where = "%s.certChain.certificates[%d]" % (what, index)
            try:
                self.chain.append(x509.load_der_x509_certificate(_b64((item or {}).get("rawBytes"), where + ".rawBytes")))
            except ValueError as exc:
                raise InvalidInput("%s is not a DER certificate: %s" % (where, exc))
        self.window = Window(entry.get("validFor"), what)

    @property
    def root(self):
        return self.chain[-1]

    @property
    def intermediates(self):
        return self.chain[:-1]


class TrustedRoot:
    """The parsed root; ``source`` says where it came from (shown in results)."""

    def __init__(self, data, source):
        self.source = source
        self.data = data if isinstance(data, bytes) else data.encode("utf-8")
        # sigstore-python's own view of the same root, made when a keyless bundle first needs it.
        self.sigstore_root = None
        try:
            root = json.loads(data.decode("utf-8") if isinstance(data, bytes) else data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidInput("the trusted root (%s) is not JSON: %s" % (source, exc))
        if not isinstance(root, dict) or root.get("mediaType") not in MEDIA_TYPES:
            raise InvalidInput("the trusted root (%s) has media type %r, not one of %s" % (
                source, root.get("mediaType") if isinstance(root, dict) else None, ", ".join(MEDIA_TYPES)))
        self.tlogs = self._list(root, "tlogs", LogKey)
        self.ctlogs = self._list(root, "ctlogs", LogKey)
        self.certificate_authorities = self._list(root, "certificateAuthorities", Authority)
        self.timestamp_authorities = self._list(root, "timestampAuthorities", Authority)
        if not self.tlogs and not self.timestamp_authorities:
            raise InvalidInput("the trusted root (%s) has no transparency log and no timestamp authority" % source)

    def _list(self, root, name, kind):
        entries = root.get(name) or []
        if not isinstance(entries, list):
            raise InvalidInput("the trusted root (%s): %s must be a list" % (self.source, name))
        return [kind(entry, "%s[%d]" % (name, index)) for index, entry in enumerate(entries)]

    @staticmethod
    def log_key(logs, log_id, moment):
        """The key of the log with ``log_id`` valid at ``moment``, or None."""
        for log in logs:
            if log.log_id == log_id and log.window.holds(moment):
                return log
        return None

    def fulcio_at(self, moment):
        """The certificate authorities valid at ``moment``."""
        return [ca for ca in self.certificate_authorities if ca.window.holds(moment)]


def public_good_root():
    """The Sigstore public-good root the ``sigstore`` package ships, and what to call it."""
    try:
        import sigstore  # pylint: disable=import-outside-toplevel
    except ImportError:
        raise InvalidInput("keyless verification without trusted_root uses the Sigstore public-good root that the "
                           "Python package 'sigstore' ships: install it (pip install sigstore) on the host that runs "
                           "the module, or give trusted_root")
    path = os.path.join(os.path.dirname(sigstore.__file__), SIGSTORE_PUBLIC_GOOD)
    with open(path, "rb") as handle:
        data = handle.read(MAX_ROOT_SIZE)
    return TrustedRoot(data, "the Sigstore public-good root of sigstore %s" % getattr(sigstore, "__version__", "?"))


def load_trusted_root(value, option="trusted_root"):
    """The root a path or JSON text names; the public-good root when ``value`` is empty."""
    if not value:
        return public_good_root()
    if value.lstrip().startswith("{"):
        return TrustedRoot(value.encode("utf-8"), "inline %s" % option)
    return TrustedRoot(path_or_content(value, option), value)
