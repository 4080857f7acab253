# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""policy.json and registries.d: strict parsing as containers/image does it, per version, and edits."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json

import pytest

from ansible_collections.signed.registry.plugins.module_utils._containers_config import (
    NEWEST_KNOWN,
    OPTION_NAMES,
    check_docker_scope,
    check_written_requirements,
    dump_policy,
    dump_registries_d,
    get_entry,
    get_section,
    identity_from_policy,
    identity_to_policy,
    key_files,
    load_policy,
    load_registries_d,
    new_policy,
    other_definitions,
    parse_version,
    remove_entry,
    remove_section,
    requirement_from_options,
    section_from_options,
    set_entry,
    set_section,
    transport_scope_problem,
    validate_policy,
    validate_requirements,
    version_from_tool,
)
from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput

KEY = "/etc/containers/keys/org.pub"
PEM = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----"
B64 = base64.b64encode(b"key bytes\n").decode()
# containers/image's own default-policy.json, hand formatted as it ships.
C_IMAGE_DEFAULT = b"""{
    "default": [
        {
            "type": "insecureAcceptAnything"
        }
    ],
    "transports":
        {
            "docker-daemon":
                {
                    "": [{"type":"insecureAcceptAnything"}]
                }
        }
}"""


def sigstore(**fields):
    req = {"type": "sigstoreSigned"}
    req.update(fields)
    return req


def refused(reqs, version=NEWEST_KNOWN, host=None, names=None):
    with pytest.raises(InvalidInput) as info:
        validate_requirements(reqs, "requirements", version, host, names)
    return str(info.value)


# -- versions --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, version", [("5.23", (5, 23)), ("5.34.1", (5, 34)), ("v5.22.0", (5, 22)), (" 5.9 ", (5, 9))])
def test_parse_version(text, version):
    assert parse_version(text) == version


@pytest.mark.parametrize("text", ["", "5", "6.0", "4.3.1", "latest", "5.x"])
def test_parse_version_refuses_what_is_not_a_5x_version(text):
    with pytest.raises(InvalidInput, match="containers_image_version must be a containers/image 5.x version"):
        parse_version(text)


@pytest.mark.parametrize("tool, output, version", [
    ("skopeo", "skopeo version 1.9.3\n", (5, 23)),
    ("skopeo", "skopeo version 1.18.0\n", (5, 34)),
    ("skopeo", "skopeo version 1.20.1 commit: abc\n", (5, 36)),
    ("podman", "podman version 4.3.1\n", (5, 23)),
    ("podman", "podman version 5.4.0\n", (5, 34)),
    ("podman", "podman version 5.8.2\n", (5, 39)),
])
def test_version_from_tool_table(tool, output, version):
    found, text, warning = version_from_tool(tool, output)
    assert (found, warning) == (version, None)
    assert text == "%s %s" % (tool, output.split()[2])


def test_a_newer_tool_is_taken_as_the_newest_known_version_with_a_warning():
    found, text, warning = version_from_tool("podman", "podman version 6.1.0")
    assert found == NEWEST_KNOWN and text == "podman 6.1.0"
    assert "newer than the versions this module knows" in warning and "5.39" in warning


@pytest.mark.parametrize("tool, output", [("skopeo", "skopeo version 1.8.0"), ("podman", "podman version 3.4.4"),
                                          ("skopeo", "garbage"), ("buildah", "buildah version 1.30.0"), ("skopeo", "")])
def test_version_from_tool_unknown_means_the_user_must_say(tool, output):
    assert version_from_tool(tool, output)[0] is None


# -- policy.json: strict parsing -------------------------------------------------------------

def test_debian_and_c_image_default_policies_parse():
    assert load_policy(b'{"default":[{"type":"insecureAcceptAnything"}]}') == {"default": [{"type": "insecureAcceptAnything"}]}
    assert get_entry(load_policy(C_IMAGE_DEFAULT), "docker-daemon", "") == [{"type": "insecureAcceptAnything"}]


@pytest.mark.parametrize("data, message", [
    (b'{"default":[{"type":"reject"}],"default":[{"type":"reject"}]}', 'Duplicate key "default"'),
    (b'{"default":[{"type":"reject","type":"reject"}]}', 'Duplicate key "type"'),
    (b'{"default":[{"type":"reject"}]} {}', "not valid JSON"),
    (b'{"default":[{"type":"reject"}], "x": NaN}', "NaN is not JSON"),
    (b'\xef\xbb\xbf{"default":[{"type":"reject"}]}', "not valid JSON"),
    (b'\xff', "not valid JSON"),
    (b'[]', "policy.json must be a JSON object, got a list"),
    (b'{}', "policy.json.default is missing"),
    (b'{"default":[]}', "default must be a non-empty list"),
    (b'{"default":null}', "default must be a non-empty list"),
    (b'{"default":[{"type":"reject"}],"transport":{}}', 'policy.json: unknown key "transport"'),
    (b'{"default":[{"type":"reject"}],"transports":[]}', "transports must be a JSON object"),
    (b'{"default":[{"type":"reject"}],"transports":{"docker":[]}}', "transports.docker must be a JSON object"),
    (b'{"default":[{"type":"reject"}],"transports":{"docker":{"a.io":[]}}}', 'transports.docker["a.io"] must be a non-empty list'),
    (b'{"default":[{"type":"reject"}],"transports":{"docker":{"a.io":[{"type":"reject","keyPath":"/k"}]}}}',
     'transports.docker["a.io"][0]: unknown key "keyPath" (containers/image accepts only type here)'),
    (b'{"default":[{"type":"reject"}],"transports":{"dir":{"tmp/x":[{"type":"reject"}]}}}',
     'transports.dir["tmp/x"]: must be an absolute path; containers/image refuses the whole policy.json'),
])
def test_load_policy_refusals(data, message):
    with pytest.raises(InvalidInput) as info:
        load_policy(data)
    assert message in str(info.value)


@pytest.mark.parametrize("reqs, message", [
    ([], "requirements must be a non-empty list"),
    (["reject"], "requirements[0] must be a JSON object, got a string"),
    ([{}], 'requirements[0].type must be one of insecureAcceptAnything, reject, signedBy, sigstoreSigned, signedBaseLayer, got null'),
    ([{"type": "acceptAll"}], 'got "acceptAll"'),
    ([{"type": "signedBy", "keyPath": KEY}], "requirements[0].keyType is missing"),
    ([{"type": "signedBy", "keyType": "PGP", "keyPath": KEY}], 'requirements[0].keyType must be one of GPGKeys'),
    ([{"type": "signedBy", "keyType": "GPGKeys"}], "exactly one of keyPath, keyPaths, keyData must be set, none is"),
    ([{"type": "signedBy", "keyType": "GPGKeys", "keyPath": KEY, "keyData": B64}], "got keyPath, keyData"),
    ([{"type": "signedBy", "keyType": "GPGKeys", "keyDatas": [B64]}], 'unknown key "keyDatas"'),
    ([{"type": "signedBy", "keyType": "GPGKeys", "keyData": "not base64!"}], "requirements[0].keyData must be base64"),
    ([{"type": "signedBy", "keyType": "GPGKeys", "keyPath": ""}], "requirements[0].keyPath must be a non-empty string"),
    ([{"type": "signedBy", "keyType": "GPGKeys", "keyPath": 7}], "requirements[0].keyPath must be a non-empty string, got 7"),
    ([sigstore()], "exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio, pki must be set, none is"),
    ([sigstore(keyPath=KEY, keyData=B64)], "got keyPath, keyData"),
    ([sigstore(keyPaths=[])], "requirements[0].keyPaths must be a non-empty list of strings"),
    ([sigstore(keyPaths=[KEY, ""])], "requirements[0].keyPaths must be a list of non-empty strings"),
    ([sigstore(keyPath=KEY, rekorPublicKeyPath=KEY, rekorPublicKeyData=B64)],
     "at most one of rekorPublicKeyPath, rekorPublicKeyPaths, rekorPublicKeyData, rekorPublicKeyDatas can be set"),
    ([sigstore(fulcio={"caPath": KEY, "oidcIssuer": "https://i", "subjectEmail": "a@b"})], "fulcio needs a Rekor public key"),
    ([sigstore(fulcio={"caPath": KEY, "subjectEmail": "a@b"}, rekorPublicKeyPath=KEY)], "requirements[0].fulcio.oidcIssuer is missing"),
    ([sigstore(fulcio={"caPath": KEY, "caData": B64, "oidcIssuer": "i", "subjectEmail": "e"}, rekorPublicKeyPath=KEY)],
     "requirements[0].fulcio: exactly one of caPath, caData must be set"),
    ([sigstore(fulcio={"caPath": KEY, "oidcIssuer": "i", "subjectEmail": "e", "issuer": "x"}, rekorPublicKeyPath=KEY)],
     'requirements[0].fulcio: unknown key "issuer"'),
    ([sigstore(pki={"caRootsPath": KEY, "subjectEmail": "e"}, rekorPublicKeyPath=KEY)], "rekorPublicKeyPath cannot be used with pki"),
    ([sigstore(pki={"caRootsPath": KEY})], "at least one of subjectEmail, subjectHostname must be set"),
    ([sigstore(pki={"subjectEmail": "e"})], "exactly one of caRootsPath, caRootsData must be set, none is"),
    ([sigstore(pki={"caRootsPath": KEY, "caIntermediatesPath": KEY, "caIntermediatesData": B64, "subjectEmail": "e"})],
     "caIntermediatesPath and caIntermediatesData cannot both be set"),
    ([sigstore(keyPath=KEY, signedIdentity="matchRepository")], "requirements[0].signedIdentity must be an object"),
    ([sigstore(keyPath=KEY, signedIdentity={"type": "matchRepo"})], 'requirements[0].signedIdentity.type must be one of'),
    ([sigstore(keyPath=KEY, signedIdentity={"type": "exactReference"})], "requirements[0].signedIdentity.dockerReference is missing"),
    ([sigstore(keyPath=KEY, signedIdentity={"type": "matchRepository", "dockerRepository": "a.io/b"})],
     'requirements[0].signedIdentity: unknown key "dockerRepository"'),
    ([sigstore(keyPath=KEY, signedIdentity={"type": "exactReference", "dockerReference": "a.io/b"})],
     "dockerReference: it contains neither a tag nor a digest"),
    ([sigstore(keyPath=KEY, signedIdentity={"type": "exactRepository", "dockerRepository": "a.io/B"})],
     "requirements[0].signedIdentity.dockerRepository: 'a.io/B' has an invalid repository name"),
    ([sigstore(keyPath=KEY, signedIdentity={"type": "remapIdentity", "prefix": "a.io/x", "signedPrefix": "-bad-"})],
     "requirements[0].signedIdentity.signedPrefix '-bad-' is not valid"),
    ([{"type": "signedBaseLayer"}], "requirements[0].baseLayerIdentity is missing"),
])
def test_requirement_refusals(reqs, message):
    assert message in refused(reqs)


def test_what_containers_image_accepts_is_accepted():
    validate_requirements([
        {"type": "insecureAcceptAnything"},
        {"type": "signedBy", "keyType": "GPGKeys", "keyPaths": [KEY, "/k2"],
         "signedIdentity": {"type": "remapIdentity", "prefix": "mirror.io/ns", "signedPrefix": "docker.io"}},
        {"type": "signedBy", "keyType": "X509Certificates", "keyData": B64},
        {"type": "signedBaseLayer", "baseLayerIdentity": {"type": "matchExact"}},
        sigstore(keyDatas=[B64, B64], rekorPublicKeyDatas=[B64], signedIdentity={"type": "matchRepoDigestOrExact"}),
        sigstore(fulcio={"caData": B64, "oidcIssuer": "https://i", "subjectEmail": "a@b"}, rekorPublicKeyPaths=[KEY]),
        sigstore(pki={"caRootsData": B64, "caIntermediatesPath": KEY, "subjectHostname": "h"}),
        sigstore(keyPath=KEY, signedIdentity={"type": "exactReference", "dockerReference": "busybox:latest"}),
        sigstore(keyPath=KEY, signedIdentity={"type": "exactRepository", "dockerRepository": "127.0.0.1:5000/fixtures/app"}),
    ], "requirements")


# -- policy.json: per containers/image version -----------------------------------------------

@pytest.mark.parametrize("req, feature, needed, refused_at, accepted_at", [
    (sigstore(keyPath=KEY), "sigstoreSigned", "5.22", (5, 21), (5, 22)),
    ({"type": "signedBy", "keyType": "GPGKeys", "keyPaths": [KEY]}, "signedBy.keyPaths", "5.22", (5, 21), (5, 22)),
    (sigstore(keyPaths=[KEY]), "sigstoreSigned.keyPaths", "5.33", (5, 32), (5, 33)),
    (sigstore(keyDatas=[B64]), "sigstoreSigned.keyDatas", "5.33", (5, 23), (5, 33)),
    (sigstore(keyPath=KEY, rekorPublicKeyPath=KEY), "sigstoreSigned.rekorPublicKeyPath", "5.24", (5, 23), (5, 24)),
    (sigstore(keyPath=KEY, rekorPublicKeyData=B64), "sigstoreSigned.rekorPublicKeyData", "5.24", (5, 23), (5, 24)),
    (sigstore(keyPath=KEY, rekorPublicKeyPaths=[KEY]), "sigstoreSigned.rekorPublicKeyPaths", "5.33", (5, 32), (5, 33)),
    (sigstore(keyPath=KEY, rekorPublicKeyDatas=[B64]), "sigstoreSigned.rekorPublicKeyDatas", "5.33", (5, 24), (5, 33)),
    (sigstore(fulcio={"caPath": KEY, "oidcIssuer": "i", "subjectEmail": "e"}, rekorPublicKeyPath=KEY),
     "sigstoreSigned.fulcio", "5.24", (5, 23), (5, 24)),
    (sigstore(pki={"caRootsPath": KEY, "subjectEmail": "e"}), "sigstoreSigned.pki", "5.35", (5, 34), (5, 35)),
    ({"type": "signedBy", "keyType": "GPGKeys", "keyPath": KEY,
      "signedIdentity": {"type": "remapIdentity", "prefix": "a.io", "signedPrefix": "b.io"}},
     "remapIdentity", "5.9", (5, 8), (5, 9)),
])
def test_version_gates(req, feature, needed, refused_at, accepted_at):
    message = refused([req], refused_at, "skopeo 1.9.3")
    assert "%s needs containers/image %s or newer" % (feature, needed) in message
    assert "this host has containers/image %d.%d (skopeo 1.9.3)" % refused_at in message
    assert "refuses the whole policy.json" in message
    validate_requirements([req], "requirements", accepted_at)


def test_a_version_refusal_names_the_key_path_in_the_file():
    doc = {"default": [{"type": "reject"}],
           "transports": {"docker": {"a.io/ns": [sigstore(keyPaths=[KEY])]}}}
    with pytest.raises(InvalidInput) as info:
        validate_policy(doc, (5, 23), "podman 4.3.1")
    assert str(info.value).startswith('transports.docker["a.io/ns"][0].keyPaths: sigstoreSigned.keyPaths needs')
    validate_policy(doc, (5, 34))


def test_messages_use_the_option_names_for_structured_requirements():
    message = refused([sigstore(keyPaths=[KEY])], (5, 23), "skopeo 1.9.3", OPTION_NAMES)
    assert message.startswith("requirements[0].key_paths: sigstoreSigned.keyPaths needs containers/image 5.33")
    assert "key_path, key_paths, key_data, key_datas, fulcio, pki" in refused([sigstore()], names=OPTION_NAMES)


# -- scopes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("scope", [
    "docker.io", "docker.io/library", "docker.io/library/busybox", "docker.io/myorg", "127.0.0.1:5000",
    "127.0.0.1:5000/fixtures", "127.0.0.1:5000/fixtures/app:v1", "localhost", "localhost:5000/ns/app",
    "registry.example.com/a/b/c@sha256:" + "a" * 64, "*.example.com", "*.com", "Registry.Example.com/ns",
])
def test_docker_scopes_accepted(scope):
    assert check_docker_scope(scope) == scope


@pytest.mark.parametrize("scope, message", [
    ("", "scope must be a docker scope"),
    (" a.io", "scope must be a docker scope"),
    ("busybox", "'busybox' is not a registry host: image names are matched fully expanded (docker.io/library/busybox"),
    ("library/busybox", "does not start with a registry host"),
    ("docker.io/busybox:latest", "is never matched: containers/image matches the fully expanded name docker.io/library/busybox:latest"),
    ("index.docker.io/library/busybox", "containers/image names Docker Hub images docker.io/"),
    ("a.io/Upper", "has an invalid repository name"),
    ("a.io/ns/app:v1@sha256:" + "a" * 64, "has both a tag and a digest"),
    ("https://a.io/ns", "is not a docker scope"),
    ("*.example.com:5000", "is not a wildcard domain"),
    ("*.example.com/ns", "is not a wildcard domain"),
    ("a.io/ns/", "is not a docker scope"),
])
def test_docker_scopes_refused(scope, message):
    with pytest.raises(InvalidInput) as info:
        check_docker_scope(scope)
    assert message in str(info.value)


def test_wildcard_scopes_need_5_10():
    with pytest.raises(InvalidInput, match="wildcard scopes needs containers/image 5.10 or newer"):
        check_docker_scope("*.example.com", version=(5, 9))


@pytest.mark.parametrize("transport, scope, problem", [
    ("docker", "anything at all", None),
    ("not-a-transport", "anything", None),
    ("dir", "/srv/images", None),
    ("dir", "srv/images", "must be an absolute path"),
    ("dir", "/", 'must not be "/"'),
    ("oci", "/srv/../srv/x", "is not in canonical form, use /srv/x"),
    ("oci-archive", "//srv/x", "is not in canonical form, use /srv/x"),
    ("docker-archive", "/x.tar", 'accepts no scope but the default ""'),
    ("tarball", "/x", 'accepts no scope but the default ""'),
    ("docker-daemon", "docker.io/library/busybox:latest", None),
    ("docker-daemon", "sha256:" + "a" * 64, "must not be an algo:digest value"),
    ("containers-storage", "[overlay@/var/lib/containers/storage]docker.io/library/busybox", None),
    ("containers-storage", "[/var/lib/containers/storage]", None),
    ("containers-storage", "docker.io/library/busybox", "must start with"),
    ("containers-storage", "[overlay@relative]x", "absolute store path"),
    ("ostree", "/ostree/repo:ref", None),
    ("ostree", "/ostree/repo", "must be /canonical/repo/path:ref"),
    ("atomic", "host/ns/stream:tag", None),
    ("atomic", "host/ns/stream:tag/x", "must be HOSTNAME/namespace/stream:tag"),
])
def test_transport_scopes_as_containers_image_validates_them(transport, scope, problem):
    found = transport_scope_problem(transport, scope)
    assert found == problem if problem is None else problem in found


# -- signed_identity vocabulary --------------------------------------------------------------

@pytest.mark.parametrize("rule, policy", [
    ({"type": "matchRepository"}, {"type": "matchRepository"}),
    ({"type": "matchExact"}, {"type": "matchExact"}),
    ({"type": "matchRepoDigestOrExact"}, {"type": "matchRepoDigestOrExact"}),
    ({"type": "exactReference", "docker_reference": "a.io/ns/app:v1"}, {"type": "exactReference", "dockerReference": "a.io/ns/app:v1"}),
    ({"type": "exactRepository", "docker_repository": "a.io/ns/app"}, {"type": "exactRepository", "dockerRepository": "a.io/ns/app"}),
    ({"type": "remapIdentity", "prefix": "pulp.io/mirror", "signed_prefix": "docker.io/library"},
     {"type": "remapIdentity", "prefix": "pulp.io/mirror", "signedPrefix": "docker.io/library"}),
])
def test_identity_conversion_both_ways(rule, policy):
    with_unset = dict(rule, **dict((k, None) for k in ("docker_reference", "docker_repository", "prefix", "signed_prefix")
                                   if k not in rule))
    assert identity_to_policy(with_unset) == policy
    assert identity_from_policy(policy) == rule


@pytest.mark.parametrize("rule, message", [
    ({"type": "exactReference"}, "signed_identity of type exactReference needs docker_reference"),
    ({"type": "exactRepository"}, "signed_identity of type exactRepository needs docker_repository"),
    ({"type": "remapIdentity", "prefix": "a.io"}, "signed_identity of type remapIdentity needs signed_prefix"),
    ({"type": "matchRepository", "docker_repository": "a.io/b"}, "signed_identity of type matchRepository does not take docker_repository"),
    ({"type": "exactReference", "docker_reference": "a.io/b:v1", "prefix": "a.io"}, "does not take prefix"),
    ({"type": "exactReference", "docker_reference": "a.io/b"}, "docker_reference must name a tag or digest"),
    ({"type": "remapIdentity", "prefix": "a.io", "signed_prefix": "in valid"}, "signed_identity.signed_prefix 'in valid' is not valid"),
    ({"type": "sameRepo"}, "signed_identity.type must be one of"),
    ("matchRepository", "signed_identity must be a dict"),
])
def test_identity_conversion_refusals(rule, message):
    with pytest.raises(InvalidInput) as info:
        identity_to_policy(rule)
    assert message in str(info.value)


def test_identity_from_policy_validates():
    with pytest.raises(InvalidInput, match='signedIdentity: unknown key "docker_repository"'):
        identity_from_policy({"type": "exactRepository", "dockerRepository": "a.io/b", "docker_repository": "a.io/b"})


# -- requirements from the module's options --------------------------------------------------

def test_structured_requirement_in_a_stable_key_order():
    req = requirement_from_options({"signed_identity": {"type": "matchRepository"}, "key_path": KEY,
                                    "type": "sigstoreSigned", "key_data": None, "fulcio": None}, "requirements[0]")
    assert list(req) == ["type", "keyPath", "signedIdentity"]
    assert req == sigstore(keyPath=KEY, signedIdentity={"type": "matchRepository"})


def test_key_data_is_the_pem_text_stored_in_base64_with_its_final_newline():
    req = requirement_from_options({"type": "sigstoreSigned", "key_data": PEM}, "r")
    assert base64.b64decode(req["keyData"]).decode() == PEM + "\n"
    assert requirement_from_options({"type": "sigstoreSigned", "key_data": PEM + "\n"}, "r") == req
    many = requirement_from_options({"type": "sigstoreSigned", "key_datas": [PEM, PEM], "rekor_public_key_data": PEM}, "r")
    assert many["keyDatas"] == [req["keyData"]] * 2 and many["rekorPublicKeyData"] == req["keyData"]


def test_signed_by_defaults_to_gpg_keys():
    assert requirement_from_options({"type": "signedBy", "key_path": KEY}, "r") == {
        "type": "signedBy", "keyType": "GPGKeys", "keyPath": KEY}


@pytest.mark.parametrize("options, message", [
    ({"type": "reject", "key_path": KEY}, "requirements[0].key_path is not used with type reject (it takes no other field)"),
    ({"type": "sigstoreSigned", "key_type": "GPGKeys", "key_path": KEY}, "requirements[0].key_type is not used with type sigstoreSigned"),
    ({"type": "signedBy", "key_datas": [PEM]}, "requirements[0].key_datas is not used with type signedBy (it takes key_type, key_path"),
    ({"type": "signedBy", "fulcio": {}}, "fulcio is not used with type signedBy"),
    ({"type": "sigstoreSigned", "key_data": B64}, "requirements[0].key_data must be the key's PEM"),
    ({"type": "sigstoreSigned", "key_datas": PEM}, "requirements[0].key_datas must be a list of PEM texts"),
    ({"type": "sigstoreSigned", "key_datas": [PEM, "x"]}, "requirements[0].key_datas[1] must be the key's PEM"),
    ({"type": "sigstoreSigned", "key_path": KEY, "signed_identity": {"type": "exactRepository"}},
     "requirements[0].signed_identity of type exactRepository needs docker_repository"),
    ({"type": "Reject"}, "requirements[0].type must be one of"),
])
def test_structured_requirement_refusals(options, message):
    with pytest.raises(InvalidInput) as info:
        requirement_from_options(options, "requirements[0]")
    assert message in str(info.value)


@pytest.mark.parametrize("req, message", [
    (sigstore(keyPath="keys/org.pub"), "requirements[0].key_path must be an absolute path, got 'keys/org.pub'"),
    (sigstore(keyPaths=[KEY, "org.pub"]), "requirements[0].key_paths must be an absolute path, got 'org.pub'"),
    (sigstore(keyPath=KEY, rekorPublicKeyPath="rekor.pub"), "rekor_public_key_path must be an absolute path"),
    (sigstore(fulcio={"caPath": "ca.pem", "oidcIssuer": "i", "subjectEmail": "e"}, rekorPublicKeyPath=KEY),
     "requirements[0].fulcio.caPath must be an absolute path"),
    (sigstore(pki={"caRootsPath": "/r", "caIntermediatesPath": "i.pem", "subjectEmail": "e"}),
     "pki.caIntermediatesPath must be an absolute path"),
    ({"type": "signedBy", "keyType": "X509Certificates", "keyPath": KEY}, 'containers/image implements only "GPGKeys"'),
    ({"type": "signedBaseLayer", "baseLayerIdentity": {"type": "matchExact"}}, "does not implement signedBaseLayer"),
])
def test_what_the_collection_writes_is_held_to_more(req, message):
    with pytest.raises(InvalidInput) as info:
        check_written_requirements([req], "requirements", OPTION_NAMES)
    assert message in str(info.value)
    validate_requirements([req], "requirements")  # containers/image itself would take it


def test_key_files_lists_every_local_file():
    reqs = [sigstore(keyPaths=["/a", "/b"], rekorPublicKeyPath="/r"),
            sigstore(fulcio={"caPath": "/ca", "oidcIssuer": "i", "subjectEmail": "e"}),
            sigstore(pki={"caRootsPath": "/root", "caIntermediatesPath": "/mid"}), {"type": "reject"}]
    assert key_files(reqs) == ["/a", "/b", "/r", "/ca", "/root", "/mid"]


# -- policy.json: edits and serialisation ----------------------------------------------------

EXISTING = {
    "default": [{"type": "insecureAcceptAnything"}],
    "transports": {
        "docker-daemon": {"": [{"type": "insecureAcceptAnything"}]},
        "docker": {
            "quay.io": [{"type": "reject"}],
            "registry.access.redhat.com": [{"type": "signedBy", "keyType": "GPGKeys",
                                            "keyPath": "/etc/pki/rpm-gpg/RPM-GPG-KEY-redhat-release"}],
        },
    },
}


def test_set_entry_leaves_everything_else_as_it_was():
    original = json.loads(json.dumps(EXISTING))
    reqs = [sigstore(keyPath=KEY, signedIdentity={"type": "matchRepository"})]
    after = set_entry(EXISTING, "docker", "127.0.0.1:5000/fixtures", reqs)
    assert EXISTING == original  # not modified in place
    assert list(after["transports"]["docker"]) == ["quay.io", "registry.access.redhat.com", "127.0.0.1:5000/fixtures"]
    assert get_entry(after, "docker", "127.0.0.1:5000/fixtures") == reqs
    untouched = remove_entry(after, "docker", "127.0.0.1:5000/fixtures")
    assert untouched == EXISTING and dump_policy(untouched) == dump_policy(EXISTING)


def test_set_entry_replaces_in_place_and_adds_transports_last():
    after = set_entry(EXISTING, "docker", "quay.io", [{"type": "insecureAcceptAnything"}])
    assert list(after["transports"]["docker"]) == ["quay.io", "registry.access.redhat.com"]
    after = set_entry(after, "dir", "", [{"type": "insecureAcceptAnything"}])
    assert list(after["transports"]) == ["docker-daemon", "docker", "dir"]
    after = set_entry(after, None, None, [{"type": "reject"}])
    assert list(after) == ["default", "transports"] and after["default"] == [{"type": "reject"}]


def test_remove_entry_drops_an_emptied_transport_and_transports():
    doc = set_entry(new_policy([{"type": "reject"}]), "docker", "a.io", [{"type": "reject"}])
    assert remove_entry(doc, "docker", "a.io") == {"default": [{"type": "reject"}]}
    assert remove_entry(doc, "docker", "b.io") == doc
    assert remove_entry(doc, "dir", "") == doc
    assert get_entry(None, "docker", "a.io") is None and get_entry(doc, "oci", "") is None


def test_dump_policy_is_stable():
    data = dump_policy(EXISTING)
    assert data.endswith(b"}\n") and not data.endswith(b"\n\n")
    assert data.startswith(b'{\n    "default": [\n        {\n            "type": "insecureAcceptAnything"\n        }\n    ],\n')
    assert load_policy(data) == EXISTING
    assert dump_policy(load_policy(data)) == data
    assert '"é.example"'.encode("utf-8") in dump_policy({"default": [{"type": "reject"}], "transports": {"x": {"é.example": []}}})


# -- registries.d ----------------------------------------------------------------------------

def test_load_and_dump_registries_d():
    data = b"default-docker:\n  lookaside: file:///var/lib/containers/sigstore\ndocker:\n  127.0.0.1:5000:\n    use-sigstore-attachments: true\n"
    doc = load_registries_d(data)
    assert doc == {"default-docker": {"lookaside": "file:///var/lib/containers/sigstore"},
                   "docker": {"127.0.0.1:5000": {"use-sigstore-attachments": True}}}
    assert dump_registries_d(doc) == data
    assert load_registries_d(b"") == {} and load_registries_d(b"# only a comment\n") == {}
    assert load_registries_d(b"docker:\n  a.io:\n") == {"docker": {"a.io": None}}


@pytest.mark.parametrize("data, message", [
    (b"docker:\n  a.io:\n    use-sigstore-attachments: yes\n", 'docker["a.io"].use-sigstore-attachments must be true or false, got \'yes\''),
    (b"docker:\n  a.io:\n    use-sigstore-attachments: 'true'\n", "must be true or false"),
    (b"docker:\n  a.io: {}\n  a.io: {}\n", "duplicate key 'a.io'"),
    (b"docker:\n  a.io:\n    use-sigstore-attachment: true\n", 'docker["a.io"]: unknown key "use-sigstore-attachment"'),
    (b"dockr:\n  a.io: {}\n", 'unknown top-level key "dockr"'),
    (b"- docker\n", "the top level must be a mapping"),
    (b"docker: [a.io]\n", "docker must be a mapping of scopes"),
    (b"docker:\n  a.io: lookaside\n", 'docker["a.io"] must be a mapping'),
    (b"docker:\n  a.io:\n    lookaside: 7\n", 'docker["a.io"].lookaside must be a URL'),
    (b"default-docker:\n  sigstore: ''\n", "default-docker.sigstore must be a URL"),
    (b"docker: {a.io: [\n", "not valid YAML"),
    (b"\xff", "not valid YAML"),
])
def test_registries_d_refusals(data, message):
    with pytest.raises(InvalidInput) as info:
        load_registries_d(data)
    assert message in str(info.value)


def test_scopes_that_look_like_other_types_are_written_so_they_read_back_as_strings():
    doc = {"docker": {"yes.example": {"use-sigstore-attachments": False}, "10.0.0.1:5000": {"lookaside": "https://x"}}}
    assert load_registries_d(dump_registries_d(doc)) == doc


def test_section_edits():
    doc = {"docker": {"a.io": {"lookaside": "https://a"}, "b.io": {"use-sigstore-attachments": True}}}
    section = section_from_options(use_sigstore_attachments=False, lookaside="https://l")
    assert list(section) == ["lookaside", "use-sigstore-attachments"]
    after = set_section(doc, "a.io", section)
    assert after["docker"]["b.io"] == doc["docker"]["b.io"] and get_section(after, "a.io") == section
    assert list(set_section(doc, "c.io", section)["docker"]) == ["a.io", "b.io", "c.io"]
    assert set_section({}, None, section) == {"default-docker": section}
    assert remove_section(remove_section(doc, "a.io"), "b.io") == {}
    assert remove_section(doc, "x.io") == doc and remove_section({"default-docker": {}}, None) == {}
    assert doc == {"docker": {"a.io": {"lookaside": "https://a"}, "b.io": {"use-sigstore-attachments": True}}}
    with pytest.raises(InvalidInput, match="lookaside_staging must be an http://, https:// or file:// URL"):
        section_from_options(lookaside_staging="/var/lib/sigstore")


def test_other_definitions_finds_what_containers_image_would_refuse(tmp_path):
    own = tmp_path / "pulp.yaml"
    own.write_bytes(b"docker:\n  127.0.0.1:5000:\n    use-sigstore-attachments: true\n")
    (tmp_path / "other.yaml").write_bytes(b"default-docker:\n  lookaside: https://x\ndocker:\n  127.0.0.1:5000: {}\n")
    (tmp_path / "ignored.yml").write_bytes(b"docker:\n  a.io: {}\n")
    (tmp_path / "notes.txt").write_bytes(b"docker:\n  a.io: {}\n")
    found = other_definitions(str(own), "127.0.0.1:5000")
    assert [name for name, dummy in found] == [str(tmp_path / "other.yaml")]
    assert ('"docker" namespace "127.0.0.1:5000" is already defined in %s' % (tmp_path / "other.yaml")) in found[0][1]
    assert "defined both in" in found[0][1]
    assert other_definitions(str(own), "a.io") == []
    assert '"default-docker" is already defined' in other_definitions(str(own), None)[0][1]
    (tmp_path / "broken.yaml").write_bytes(b"docker:\n  a.io:\n    lookasid: x\n")
    found = other_definitions(str(own), "a.io")
    assert len(found) == 1 and "broken.yaml cannot be read" in found[0][1] and "refuses the whole directory" in found[0][1]
