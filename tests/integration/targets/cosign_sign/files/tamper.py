"""Push tampered cosign signatures to a registry, one image per case, for the verifier to refuse.

Usage: python tamper.py REGISTRY_URL NAMESPACE SOURCE_REPO SOURCE_TAG OUT_DIR
Copies SOURCE_REPO:SOURCE_TAG to NAMESPACE/tamper-<case>:v1 for each case (plus one correctly
signed control), attaches a .sig manifest as cosign writes it but tampered as the case says,
writes OUT_DIR/tamper.pub (the key that signed) and prints {case: digest} as JSON.
Self-contained on purpose (requests + cryptography): the signatures must not come from the
code under test.
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


def digest_of(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def compact(value):
    return json.dumps(value, separators=(",", ":")).encode()


class Registry:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.session = requests.Session()

    def get(self, repo, ref):
        response = self.session.get("%s/v2/%s/manifests/%s" % (self.base, repo, ref), headers={"Accept": OCI_MANIFEST})
        response.raise_for_status()
        return response.content

    def blob(self, repo, digest):
        response = self.session.get("%s/v2/%s/blobs/%s" % (self.base, repo, digest))
        response.raise_for_status()
        return response.content

    def push_blob(self, repo, data):
        start = self.session.post("%s/v2/%s/blobs/uploads/" % (self.base, repo))
        start.raise_for_status()
        location = start.headers["Location"]
        if location.startswith("/"):
            location = self.base + location
        sep = "&" if "?" in location else "?"
        self.session.put(location + sep + "digest=" + digest_of(data), data=data).raise_for_status()
        return digest_of(data)

    def put(self, repo, ref, data):
        self.session.put("%s/v2/%s/manifests/%s" % (self.base, repo, ref), data=data,
                         headers={"Content-Type": OCI_MANIFEST}).raise_for_status()


def payload(reference, digest, critical_extra=None):
    critical = {"identity": {"docker-reference": reference}, "image": {"docker-manifest-digest": digest},
                "type": "cosign container image signature"}
    critical.update(critical_extra or {})
    return compact({"critical": critical, "optional": None})


def main():
    base, namespace, source_repo, source_tag, out_dir = sys.argv[1:6]
    registry = Registry(base)
    key = ec.generate_private_key(ec.SECP256R1())
    other = ec.generate_private_key(ec.SECP256R1())
    with open(os.path.join(out_dir, "tamper.pub"), "wb") as handle:
        handle.write(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo))
    image = registry.get(source_repo, source_tag)
    manifest = json.loads(image)
    host = base.split("://", 1)[1]

    def sign(signer, data):
        return base64.b64encode(signer.sign(data, ec.ECDSA(hashes.SHA256()))).decode()

    cases = ["control", "modified_payload", "other_digest", "wrong_key", "garbage_base64", "truncated_base64",
             "extra_critical_key", "oversized_layer"]
    digests = {}
    for case in cases:
        repo = "%s/tamper-%s" % (namespace, case.replace("_", "-"))
        for blob in [manifest["config"]] + manifest["layers"]:
            registry.push_blob(repo, registry.blob(source_repo, blob["digest"]))
        registry.put(repo, "v1", image)
        digest = digest_of(image)
        digests[case] = digest
        reference = "%s/%s" % (host, repo)
        body = payload(reference, digest)
        signature = sign(key, body)
        if case == "modified_payload":
            body = body.replace(b'"optional":null', b'"optional":{"x":"y"}')
        elif case == "other_digest":
            body = payload(reference, "sha256:" + "0" * 64)
            signature = sign(key, body)
        elif case == "wrong_key":
            signature = sign(other, body)
        elif case == "garbage_base64":
            signature = "***not base64***"
        elif case == "truncated_base64":
            signature = signature[:20]
        elif case == "extra_critical_key":
            body = payload(reference, digest, {"extra": "x"})
            signature = sign(key, body)
        layer = {"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json", "size": len(body),
                 "digest": registry.push_blob(repo, body),
                 "annotations": {"dev.cosignproject.cosign/signature": signature}}
        if case == "oversized_layer":
            layer["size"] = 50 * 1024 * 1024
        config = compact({"architecture": "", "os": "", "config": {},
                          "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]}})
        sig_manifest = compact({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                                "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                           "size": len(config), "digest": registry.push_blob(repo, config)},
                                "layers": [layer]})
        registry.put(repo, digest.replace(":", "-") + ".sig", sig_manifest)
    print(json.dumps(digests))


if __name__ == "__main__":
    main()
