# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Atomic (GPG) signatures: made by the real gpg in a throwaway GNUPGHOME, verified by the
collection, with every tamper case refused for its own reason."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import os
import shutil
import subprocess
import tempfile

import pytest

from ansible_collections.signed.registry.plugins.module_utils._atomic import (
    check_signature,
    collect,
    describe,
    extension_signatures,
    load_gpg_keys,
    lookaside_url,
    verify_entries,
)
from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput
from ansible_collections.signed.registry.plugins.module_utils._identity import check_identity_rule
from ansible_collections.signed.registry.plugins.module_utils._oci import Registry, RegistryError

DIGEST = "sha256:" + "1" * 64
OTHER = "sha256:" + "2" * 64
IMAGE = "pulp.example.com/team/app:1.0"


def payload(digest=DIGEST, reference=IMAGE, kind="atomic container signature", optional=None, raw=None):
    if raw is not None:
        return raw.encode()
    return json.dumps({"critical": {"identity": {"docker-reference": reference},
                                    "image": {"docker-manifest-digest": digest}, "type": kind},
                       "optional": {"creator": "test"} if optional is None else optional},
                      separators=(",", ":")).encode()


class GPG:
    def __init__(self, home):
        self.home = home

    def run(self, *args, data=None):
        env = dict(os.environ, GNUPGHOME=self.home)
        return subprocess.run(("gpg", "--batch", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", "")
                              + args, input=data, env=env, check=True, capture_output=True).stdout

    def key(self, uid, *extra):
        self.run(*(extra + ("--quick-gen-key", uid, "ed25519", "sign", "1y")))
        out = self.run("--with-colons", "--list-keys", uid).decode()
        return [line.split(":")[9] for line in out.splitlines() if line.startswith("fpr")][0]

    def sign(self, fingerprint, data, *extra):
        return self.run(*(extra + ("--local-user", fingerprint, "--sign")), data=data)

    def export(self, fingerprint):
        return self.run("--armor", "--export", fingerprint).decode()


@pytest.fixture(scope="module")
def gpg():
    if shutil.which("gpg") is None:
        pytest.fail("gpg is needed to make the test signatures")
    home = tempfile.mkdtemp(prefix="sr-gpg-", dir="/tmp")
    tool = GPG(home)
    tool.good = tool.key("Good <good@example.com>")
    tool.other = tool.key("Other <other@example.com>")
    # A key that lived through 2020 only: its signatures from then verify in time, but it is expired now.
    tool.old = tool.key("Old <old@example.com>", "--faked-system-time", "20200101T000000")
    tool.old_key = tool.export(tool.old)
    tool.revoked = tool.key("Revoked <revoked@example.com>")
    tool.revoked_sig = tool.sign(tool.revoked, payload())
    revocation = open(os.path.join(home, "openpgp-revocs.d", tool.revoked + ".rev")).read().replace(":-----", "-----")
    tool.run("--import", data=revocation.encode())
    # A signing subkey, which then loses its signing flag (a newer binding signature without it).
    tool.primary = tool.key("Sub <sub@example.com>")
    tool.run("--quick-add-key", tool.primary, "ed25519", "sign", "1y")
    out = tool.run("--with-colons", "--list-keys", tool.primary).decode()
    tool.subkey = [line.split(":")[9] for line in out.splitlines() if line.startswith("fpr")][1]
    tool.by_subkey = tool.sign(tool.subkey + "!", payload())
    tool.with_signing_subkey = tool.export(tool.primary)
    tool.run("--expert", "--command-fd", "0", "--edit-key", tool.primary, data=b"key 1\nchange-usage\nS\nQ\nsave\n")
    tool.without_signing_subkey = tool.export(tool.primary)
    # A signing subkey that lived one day in 2020, under a primary key valid for ten years.
    past = ("--faked-system-time", "20200101T000000")
    tool.run(*(past + ("--quick-gen-key", "Brief <brief@example.com>", "ed25519", "cert", "10y")))
    out = tool.run("--with-colons", "--list-keys", "brief@example.com").decode()
    tool.brief = [line.split(":")[9] for line in out.splitlines() if line.startswith("fpr")][0]
    tool.run(*(past + ("--quick-add-key", tool.brief, "ed25519", "sign", "1d")))
    out = tool.run("--with-colons", "--list-keys", "brief@example.com").decode()
    tool.brief_subkey = [line.split(":")[9] for line in out.splitlines() if line.startswith("fpr")][1]
    tool.by_brief_subkey = tool.sign(tool.brief_subkey + "!", payload(), "--faked-system-time", "20200101T010000")
    tool.brief_key = tool.export(tool.brief)
    yield tool
    subprocess.run(("gpgconf", "--kill", "gpg-agent"), env=dict(os.environ, GNUPGHOME=home), check=False)
    shutil.rmtree(home, ignore_errors=True)


def certs(gpg, *fingerprints):
    return load_gpg_keys([gpg.export(f) for f in fingerprints])


def verdict(gpg, blob, *fingerprints, digest=DIGEST, rule=None):
    return check_signature(blob, certs(gpg, *(fingerprints or (gpg.good,))), digest, IMAGE, rule)


def test_round_trip(gpg):
    result = verdict(gpg, gpg.sign(gpg.good, payload()))
    assert result["accepted"], result["reason"]
    assert result["key_fingerprint"] == gpg.good
    assert result["signing_key"] == gpg.good
    assert result["claims"] == {"docker_reference": IMAGE, "digest": DIGEST, "optional": {"creator": "test"}}


def test_any_of_the_keys(gpg):
    assert verdict(gpg, gpg.sign(gpg.good, payload()), gpg.other, gpg.good)["accepted"]


def test_other_key_refused(gpg):
    result = verdict(gpg, gpg.sign(gpg.other, payload()))
    assert not result["accepted"]
    assert "does not verify with any of the given public keys" in result["reason"]
    assert gpg.other in result["reason"]


@pytest.mark.parametrize("mangle, reason", [
    (lambda b: b"", "empty"),
    (lambda b: b"garbage, not OpenPGP", "not a valid OpenPGP signed message"),
    (lambda b: b[:len(b) // 2], "not a valid OpenPGP signed message"),
    (lambda b: b[:-3], "not a valid OpenPGP signed message"),
])
def test_garbage_and_truncation_refused(gpg, mangle, reason):
    result = verdict(gpg, mangle(gpg.sign(gpg.good, payload())))
    assert not result["accepted"]
    assert reason in result["reason"]


def test_tampered_payload_refused(gpg):
    blob = gpg.sign(gpg.good, payload(), "--compress-algo", "none")
    index = blob.index(DIGEST.encode())
    tampered = blob[:index] + OTHER.encode() + blob[index + len(OTHER):]
    result = verdict(gpg, tampered)
    assert not result["accepted"]
    assert "does not verify" in result["reason"]


def test_signature_for_another_digest_refused(gpg):
    result = verdict(gpg, gpg.sign(gpg.good, payload(digest=OTHER)))
    assert not result["accepted"]
    assert result["reason"] == "the signature is for %s, not for this image (%s)" % (OTHER, DIGEST)


def test_signature_copied_to_another_image_refused(gpg):
    blob = gpg.sign(gpg.good, payload())
    assert verdict(gpg, blob)["accepted"]
    assert "not for this image" in verdict(gpg, blob, digest=OTHER)["reason"]


def test_expired_key_refused(gpg):
    blob = gpg.sign(gpg.old, payload(), "--faked-system-time", "20200101T010000")
    result = check_signature(blob, load_gpg_keys([gpg.old_key]), DIGEST, IMAGE)
    assert not result["accepted"]
    assert result["reason"] == "the signature was made by key %s, which expired on 2020-12-31T00:00:00Z" % gpg.old


def test_revoked_key_refused(gpg):
    result = verdict(gpg, gpg.revoked_sig, gpg.revoked)
    assert not result["accepted"]
    assert result["reason"] == "the signature was made by key %s, which is revoked" % gpg.revoked


def test_subkey_signature(gpg):
    result = check_signature(gpg.by_subkey, load_gpg_keys([gpg.with_signing_subkey]), DIGEST, IMAGE)
    assert result["accepted"], result["reason"]
    assert (result["key_fingerprint"], result["signing_key"]) == (gpg.primary, gpg.subkey)


def test_subkey_not_marked_for_signing_refused(gpg):
    result = check_signature(gpg.by_subkey, load_gpg_keys([gpg.without_signing_subkey]), DIGEST, IMAGE)
    assert not result["accepted"]
    assert result["reason"] == "the signature does not verify with any of the given public keys (issuer %s)" % gpg.subkey


def test_subkey_expired_since_refused(gpg):
    result = check_signature(gpg.by_brief_subkey, load_gpg_keys([gpg.brief_key]), DIGEST, IMAGE)
    assert not result["accepted"]
    assert result["reason"] == "the signature was made by subkey %s of key %s, which expired on 2020-01-02T00:00:00Z" % (
        gpg.brief_subkey, gpg.brief)


@pytest.mark.parametrize("data, reason", [
    (payload(kind="cosign container image signature"), "critical.type"),
    (payload(optional={"creator": 1}), "optional.creator must be a string"),
    (payload(optional={"timestamp": 1.5}), "optional.timestamp must be an integer"),
    (payload(raw='{"critical":{"identity":{"docker-reference":"a/b"},"image":{"docker-manifest-digest":"%s"},'
                 '"type":"atomic container signature"},"optional":null}' % DIGEST), "optional must be an object"),
    (payload(raw='{"critical":{"identity":{"docker-reference":"a/b"},"image":{"docker-manifest-digest":"%s"},'
                 '"type":"atomic container signature","extra":1},"optional":{}}' % DIGEST), "critical"),
    (payload(raw='{"critical":{"identity":{"docker-reference":"a/b"},"image":{"docker-manifest-digest":"%s"},'
                 '"type":"atomic container signature"},"optional":{},"optional":{}}' % DIGEST), "duplicate"),
])
def test_strict_payload(gpg, data, reason):
    result = verdict(gpg, gpg.sign(gpg.good, data))
    assert not result["accepted"]
    assert result["reason"].startswith("the payload is not valid")
    assert reason in result["reason"]


def test_integral_timestamp_accepted(gpg):
    assert verdict(gpg, gpg.sign(gpg.good, payload(optional={"timestamp": 1700000000})))["accepted"]


def test_identity_rule(gpg):
    blob = gpg.sign(gpg.good, payload())
    assert verdict(gpg, blob, rule=check_identity_rule({"type": "matchRepoDigestOrExact"}))["accepted"]
    rule = check_identity_rule({"type": "exactRepository", "docker_repository": "pulp.example.com/team/other"})
    result = verdict(gpg, blob, rule=rule)
    assert not result["accepted"]
    assert "is not accepted by the exactRepository rule" in result["reason"]


def test_load_keys_refuses_garbage(tmp_path):
    with pytest.raises(InvalidInput, match=r"public_keys\[0\] is not an OpenPGP public key"):
        load_gpg_keys(["-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot a key\n-----END PGP PUBLIC KEY BLOCK-----\n"])
    with pytest.raises(InvalidInput, match=r"public_keys\[0\]: no file"):
        load_gpg_keys([str(tmp_path / "missing.gpg")])
    with pytest.raises(InvalidInput, match="at least one"):
        load_gpg_keys([])


def test_load_keys_from_a_binary_file_with_two_keys(gpg, tmp_path):
    path = tmp_path / "keys.gpg"
    path.write_bytes(gpg.run("--export", gpg.good, gpg.other))
    assert set(load_gpg_keys([str(path)])) == {gpg.good, gpg.other}


class ExtensionRegistry:
    def __init__(self, entries):
        self.entries = entries

    def extension_signatures(self, repository, digest):
        return self.entries


def test_extension_entries_and_lookaside(gpg, tmp_path):
    good = gpg.sign(gpg.good, payload())
    registry = ExtensionRegistry([
        {"schemaVersion": 2, "type": "atomic", "name": DIGEST + "@a", "content": base64.b64encode(good).decode()},
        {"schemaVersion": 2, "type": "atomic", "name": DIGEST + "@b", "content": "%%%"},
        {"schemaVersion": 2, "type": "cosign", "name": DIGEST + "@c", "content": ""},
    ])
    assert [p for _n, _b, p in extension_signatures(registry, "team/app", DIGEST)] == [
        None, "the signature content is not valid base64", "the entry is not an atomic signature of schemaVersion 2"]
    base = "file://" + str(tmp_path)
    first = lookaside_url(base, "team/app", DIGEST, 1)
    assert first == "%s/team/app@sha256=%s/signature-1" % (base, "1" * 64)
    os.makedirs(os.path.dirname(first[len("file://"):]))
    for index, blob in ((1, gpg.sign(gpg.other, payload())), (2, good), (4, good)):
        with open(lookaside_url(base, "team/app", DIGEST, index)[len("file://"):], "wb") as handle:
            handle.write(blob)
    entries = collect(registry, None, "team/app", DIGEST, base)
    # signature-4 is not read: the store ends at the first missing number, as in containers/image.
    assert [(e["source"], e["name"][-11:]) for e in entries[3:]] == [("lookaside", "signature-1"), ("lookaside", "signature-2")]
    assert describe(entries[0])["size"] == len(good)
    judged = verify_entries(entries, certs(gpg, gpg.good), DIGEST, IMAGE)
    accepted = [v for v in judged if v["accepted"]]
    rejected = [v for v in judged if not v["accepted"]]
    assert [(a["source"], a["name"][-1]) for a in accepted] == [("extension", "a"), ("lookaside", "2")]
    assert len(rejected) == 3
    assert all(r["reason"] for r in rejected)


class Served:
    def __init__(self, status, content_type, body):
        self.status_code = status
        self.headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
        self.content = body


class ServingRegistry(Registry):
    def __init__(self, answer):
        super(ServingRegistry, self).__init__(http=None, host="registry.test")
        self.answer = answer
        self.asked = []

    def request(self, method, repository, path, api="v2", **kwargs):
        self.asked.append("/%s/%s/%s" % (api, repository, path))
        return self.answer


@pytest.mark.parametrize("answer, found", [
    (Served(200, "application/json", b'{"signatures":[{"schemaVersion":2,"type":"atomic","name":"n","content":""}]}'),
     [{"schemaVersion": 2, "type": "atomic", "name": "n", "content": ""}]),
    (Served(200, "application/json", b'{"signatures":null}'), []),
    (Served(404, "application/json", b'{"errors":[]}'), None),
    (Served(200, "text/html", b"<html>a catch-all page</html>"), None),
])
def test_extension_api(answer, found):
    registry = ServingRegistry(answer)
    assert registry.extension_signatures("team/app", DIGEST) == found
    assert registry.asked == ["/extensions/v2/team/app/signatures/" + DIGEST]


def test_extension_api_garbage_is_an_error():
    registry = ServingRegistry(Served(200, "application/json", b'{"nothing":1}'))
    with pytest.raises(RegistryError, match="something other than"):
        registry.extension_signatures("team/app", DIGEST)
