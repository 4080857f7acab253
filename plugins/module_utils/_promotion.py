# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Verified mirrors: what a staging repository version holds, which of its images verify, and
the published repository brought to exactly those images with Pulp's own copy and remove.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch

from ansible_collections.signed.registry.plugins.module_utils._errors import SignedRegistryError
from ansible_collections.signed.registry.plugins.module_utils._reference import COMPANION_TAG
from ansible_collections.signed.registry.plugins.module_utils._verification import SIGNATURE_CHECKS, Image, verdicts

COMPANION_SUFFIXES = (".sig", ".att", ".sbom", "")
TAGS = "content/container/tags/"
MANIFESTS = "content/container/manifests/"


class PromotionError(SignedRegistryError):
    """A verified-mirror run that cannot go on."""


class VersionContent:
    """Tags and manifests of one repository version, fetched in two listings."""

    def __init__(self, pulp, version_href):
        self.version_href = version_href
        self.manifests = {}
        self.tags = {}
        if not version_href:
            return
        manifests = pulp.list(MANIFESTS, repository_version=version_href)
        self.manifests = dict((m["pulp_href"], m) for m in manifests)
        for tag in pulp.list(TAGS, repository_version=version_href):
            manifest = self.manifests.get(tag["tagged_manifest"]) or {}
            self.tags[tag["name"]] = {"href": tag["pulp_href"], "digest": manifest.get("digest"),
                                      "manifest": manifest}

    def platforms(self, tag):
        """Digests of the platform manifests of a multi-arch tag (empty for one image)."""
        listed = self.tags[tag]["manifest"].get("listed_manifests") or []
        return [self.manifests[href]["digest"] for href in listed if href in self.manifests]

    def image_tags(self, patterns):
        """Tags that name images (not cosign companions) and match one of ``patterns``."""
        return sorted(name for name in self.tags if not COMPANION_TAG.match(name)
                      and any(fnmatch.fnmatchcase(name, p) for p in patterns))

    def companions(self, digests):
        """The companion tags present for these digests."""
        found = []
        for digest in digests:
            base = digest.replace(":", "-", 1)
            found.extend(base + suffix for suffix in COMPANION_SUFFIXES if base + suffix in self.tags)
        return found


def verify_tags(registry, repository, content, tags, trust):
    """Per tag: digest, whether it (and every platform manifest it lists) verified, and why not."""
    results = []
    for tag in tags:
        digest = content.tags[tag]["digest"]
        reference = "%s/%s:%s" % (registry.host, repository, tag)
        entry = {"tag": tag, "digest": digest, "platforms": content.platforms(tag), "verified": False, "reason": None}
        for checked in [digest] + entry["platforms"]:
            found = verdicts(Image(registry, repository, checked, reference), trust, SIGNATURE_CHECKS)
            if not any(v["accepted"] for v in found):
                reasons = "; ".join(v["reason"] for v in found) or "no signatures found"
                entry["reason"] = ("%s: %s" % (checked, reasons)) if checked != digest else reasons
                break
        else:
            entry["verified"] = True
        results.append(entry)
    return results


def publication_plan(staging, published, verified, keep_signature_tags=False):
    """(tags to copy from staging, tag hrefs to remove from published) to make the published
    version hold exactly the verified images and their companion tags.

    ``keep_signature_tags``: the published .sig tags carry signatures of our own on top of the
    upstream ones (re-signing), so one that is present is up to date.
    """
    wanted = set()
    for entry in verified:
        digests = [entry["digest"]] + entry["platforms"]
        wanted.add(entry["tag"])
        wanted.update(staging.companions(digests))
        if keep_signature_tags:
            # Our own signature tags stay, even where the upstream had none to copy.
            wanted.update(d.replace(":", "-", 1) + ".sig" for d in digests if d.replace(":", "-", 1) + ".sig" in published.tags)

    def current(name):
        if name not in published.tags:
            return False
        if keep_signature_tags and name.endswith(".sig"):
            return True
        return published.tags[name]["digest"] == staging.tags[name]["digest"]

    to_copy = sorted(name for name in wanted if name in staging.tags and not current(name))
    to_remove = sorted(info["href"] for name, info in published.tags.items() if name not in wanted)
    return to_copy, to_remove
