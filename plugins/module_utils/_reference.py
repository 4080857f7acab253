# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Image references as docker and containers/image read them (docker.io rules). Pure."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput

DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
REPOSITORY_RE = re.compile(r"^%s(?:/%s)*$" % (_COMPONENT, _COMPONENT))
TAG_RE = re.compile(r"^[\w][\w.-]{0,127}$")
DIGEST_RE = re.compile(r"^sha256:[a-f0-9]{64}$")
# cosign's companion tags (signatures, attestations, SBOMs) and the referrers fallback tag:
# attachments, not images.
COMPANION_TAG = re.compile(r"^sha256-[0-9a-f]{64}(\.sig|\.att|\.sbom)?$")
HOST_RE = re.compile(r"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
                     r"|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$")


class Reference:
    """registry host[:port], repository path, and a tag and/or digest."""

    def __init__(self, registry, repository, tag=None, digest=None):
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest

    @property
    def name(self):
        """host/repository: what cosign puts in docker-reference by default."""
        return "%s/%s" % (self.registry, self.repository)

    @property
    def api_host(self):
        return DOCKER_HUB_API if self.registry == DOCKER_HUB else self.registry

    def with_digest(self, digest):
        return Reference(self.registry, self.repository, self.tag, digest)

    def __str__(self):
        text = self.name
        if self.tag:
            text += ":" + self.tag
        if self.digest:
            text += "@" + self.digest
        return text

    def __repr__(self):
        return "Reference(%r)" % str(self)


def check_digest(digest, what="digest"):
    if not isinstance(digest, str) or not DIGEST_RE.match(digest):
        raise InvalidInput("%s must look like sha256:<64 hex digits>, got %r" % (what, digest))
    return digest


def parse_reference(text, default_tag=None):
    """Parse ``[host[:port]/]path[:tag][@sha256:hex]``; Docker Hub names get docker.io/library/."""
    if not isinstance(text, str) or not text or text != text.strip():
        raise InvalidInput("%r is not an image reference" % (text,))
    rest, digest = text, None
    if "@" in rest:
        rest, digest = rest.split("@", 1)
        check_digest(digest, "the digest of %r" % text)
    tag = None
    last_slash = rest.rfind("/")
    if ":" in rest[last_slash + 1:]:
        rest, tag = rest.rsplit(":", 1)
        if not TAG_RE.match(tag):
            raise InvalidInput("%r has an invalid tag %r" % (text, tag))
    parts = rest.split("/", 1)
    if len(parts) == 2 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"
                            or parts[0] != parts[0].lower()):
        registry, repository = parts
        if not HOST_RE.match(registry):
            raise InvalidInput("%r has an invalid registry host %r" % (text, registry))
    else:
        registry, repository = DOCKER_HUB, rest
    if registry == DOCKER_HUB and "/" not in repository:
        repository = "library/" + repository
    if not REPOSITORY_RE.match(repository):
        raise InvalidInput("%r has an invalid repository name %r (lower case letters, digits and "
                           "separators only)" % (text, repository))
    if tag is None and digest is None:
        tag = default_tag
    return Reference(registry, repository, tag, digest)


def signature_tag(digest, suffix="sig"):
    """cosign's tag for an image digest's signatures (sig), attestations (att) or SBOMs (sbom)."""
    check_digest(digest)
    return digest.replace(":", "-", 1) + ("." + suffix if suffix else "")
