# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a verified mirror publishes, from repository version contents."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.signed.registry.plugins.module_utils._promotion import VersionContent, publication_plan

A = "sha256:" + "a" * 64
B = "sha256:" + "b" * 64
P = "sha256:" + "c" * 64


def content(tags):
    """A VersionContent from {tag: digest}, with companion tags as Pulp lists them."""
    version = VersionContent(None, None)
    for name, digest in tags.items():
        version.tags[name] = {"href": "/tags/%s/" % name, "digest": digest, "manifest": {}}
    return version


def sig(digest, suffix=".sig"):
    return digest.replace(":", "-") + suffix


def test_image_tags_leave_companions_out_and_match_globs():
    version = content({"v1": A, "v2": B, sig(A): P, sig(A, ".att"): P, sig(A, ""): P, "dev-1": B})
    assert version.image_tags(["*"]) == ["dev-1", "v1", "v2"]
    assert version.image_tags(["v*"]) == ["v1", "v2"]


def test_companions_of_verified_digests():
    version = content({"v1": A, sig(A): P, sig(A, ".sbom"): P, sig(B): P})
    assert version.companions([A]) == [sig(A), sig(A, ".sbom")]


def test_plan_publishes_exactly_the_verified_images():
    staging = content({"v1": A, "v2": B, sig(A): P, sig(B): P})
    published = content({"v2": B, sig(B): P, "old": P})
    copy, remove = publication_plan(staging, published, [{"tag": "v1", "digest": A, "platforms": []}])
    assert copy == [sig(A), "v1"]
    assert remove == sorted(["/tags/%s/" % sig(B), "/tags/old/", "/tags/v2/"])


def test_plan_is_empty_when_published_matches():
    staging = content({"v1": A, sig(A): P})
    copy, remove = publication_plan(staging, content({"v1": A, sig(A): P}), [{"tag": "v1", "digest": A, "platforms": []}])
    assert (copy, remove) == ([], [])


def test_moved_tag_is_copied_again():
    staging = content({"v1": B, sig(B): P})
    copy, remove = publication_plan(staging, content({"v1": A, sig(A): P}), [{"tag": "v1", "digest": B, "platforms": []}])
    assert copy == [sig(B), "v1"] and remove == ["/tags/%s/" % sig(A)]
