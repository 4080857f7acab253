"""Push tampered in-toto attestations (legacy .att DSSE layers), one image per case.

Usage: python tamper_att.py REGISTRY_URL NAMESPACE SOURCE_REPO SOURCE_TAG OUT_DIR
Writes OUT_DIR/att.pub and prints {case: digest} as JSON. Self-contained (requests +
cryptography) so that the attestations do not come from the code under test.
"""

import base64
import hashlib
import json
import os
import sys

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INTOTO = "application/vnd.in-toto+json"


def digest_of(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def compact(value):
    return json.dumps(value, separators=(",", ":")).encode()


def pae(kind, body):
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind.encode(), len(body), body)


def main():
    base, namespace, source_repo, source_tag, out_dir = sys.argv[1:6]
    base = base.rstrip("/")
    session = requests.Session()
    key, other = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    with open(os.path.join(out_dir, "att.pub"), "wb") as handle:
        handle.write(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo))

    def blob(repo, data):
        start = session.post("%s/v2/%s/blobs/uploads/" % (base, repo))
        start.raise_for_status()
        location = start.headers["Location"]
        location = base + location if location.startswith("/") else location
        session.put(location + ("&" if "?" in location else "?") + "digest=" + digest_of(data), data=data).raise_for_status()
        return {"size": len(data), "digest": digest_of(data)}

    def put(repo, ref, data):
        session.put("%s/v2/%s/manifests/%s" % (base, repo, ref), data=data,
                    headers={"Content-Type": OCI_MANIFEST}).raise_for_status()

    def sign(signer, data):
        return base64.b64encode(signer.sign(data, ec.ECDSA(hashes.SHA256()))).decode()

    image = session.get("%s/v2/%s/manifests/%s" % (base, source_repo, source_tag), headers={"Accept": OCI_MANIFEST})
    image.raise_for_status()
    manifest = json.loads(image.content)
    digests = {}
    for case in ("control", "payload_changed", "no_pae", "other_subject", "wrong_key"):
        repo = "%s/att-%s" % (namespace, case.replace("_", "-"))
        for item in [manifest["config"]] + manifest["layers"]:
            blob(repo, session.get("%s/v2/%s/blobs/%s" % (base, source_repo, item["digest"])).content)
        put(repo, "v1", image.content)
        digest = digest_of(image.content)
        digests[case] = digest
        subject = digest if case != "other_subject" else "sha256:" + "0" * 64
        statement = compact({"_type": "https://in-toto.io/Statement/v0.1", "predicateType": "https://example.com/test/v1",
                             "subject": [{"name": base.split("://")[1] + "/" + repo, "digest": {"sha256": subject.split(":")[1]}}],
                             "predicate": {"case": case}})
        signature = sign(other if case == "wrong_key" else key, statement if case == "no_pae" else pae(INTOTO, statement))
        if case == "payload_changed":
            statement = statement.replace(b'"case":"payload_changed"', b'"case":"something else"')
        envelope = compact({"payloadType": INTOTO, "payload": base64.b64encode(statement).decode(),
                            "signatures": [{"keyid": "", "sig": signature}]})
        layer = dict(mediaType="application/vnd.dsse.envelope.v1+json", **blob(repo, envelope))
        layer["annotations"] = {"dev.cosignproject.cosign/signature": "", "predicateType": "https://example.com/test/v1"}
        config = compact({"architecture": "", "os": "", "config": {}, "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]}})
        put(repo, digest.replace(":", "-") + ".att", compact({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **blob(repo, config)), "layers": [layer]}))
    print(json.dumps(digests))


if __name__ == "__main__":
    main()
