"""Seed an upstream repository for the verified-mirror test, independently of the code under test.

Usage: python upstream.py REGISTRY_URL REPOSITORY OUT_DIR [TAG ...]
Without TAGs, pushes five images to REPOSITORY: `signed` (signed with the trusted key), `unsigned`,
`other-key` (signed with another key), `tampered` (trusted signature over another payload) and
`multi` (an OCI index of two platform manifests, the index and both platforms signed). With TAGs,
pushes one more unsigned image per TAG. Writes OUT_DIR/trusted.pub (and trusted.key, PKCS#8) on
the first run and reuses them; prints {tag: digest} as JSON.
"""

import base64
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def digest_of(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def compact(value):
    return json.dumps(value, separators=(",", ":")).encode()


class Upstream:
    def __init__(self, base, repo):
        self.base, self.repo = base.rstrip("/"), repo
        self.session = requests.Session()

    def blob(self, data):
        start = self.session.post("%s/v2/%s/blobs/uploads/" % (self.base, self.repo))
        start.raise_for_status()
        location = start.headers["Location"]
        location = self.base + location if location.startswith("/") else location
        self.session.put(location + ("&" if "?" in location else "?") + "digest=" + digest_of(data),
                         data=data).raise_for_status()
        return {"size": len(data), "digest": digest_of(data)}

    def manifest(self, ref, data, media_type=OCI_MANIFEST):
        self.session.put("%s/v2/%s/manifests/%s" % (self.base, self.repo, ref), data=data,
                         headers={"Content-Type": media_type}).raise_for_status()
        return digest_of(data)

    def image(self, content, arch="amd64"):
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w") as tar:
            info = tarfile.TarInfo("content.txt")
            info.size, info.mtime = len(content), 0
            tar.addfile(info, io.BytesIO(content))
        layer = gzip.compress(raw.getvalue(), mtime=0)
        config = compact({"architecture": arch, "os": "linux", "config": {},
                          "rootfs": {"type": "layers", "diff_ids": [digest_of(raw.getvalue())]}})
        manifest = compact({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                            "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **self.blob(config)),
                            "layers": [dict(mediaType="application/vnd.oci.image.layer.v1.tar+gzip", **self.blob(layer))]})
        return manifest

    def sign(self, digest, key, payload=None, signed_payload=None):
        payload = payload or compact({"critical": {"identity": {"docker-reference": self.base.split("://")[1] + "/" + self.repo},
                                                   "image": {"docker-manifest-digest": digest},
                                                   "type": "cosign container image signature"}, "optional": None})
        signature = base64.b64encode(key.sign(signed_payload or payload, ec.ECDSA(hashes.SHA256()))).decode()
        layer = dict(mediaType="application/vnd.dev.cosign.simplesigning.v1+json", **self.blob(payload))
        layer["annotations"] = {"dev.cosignproject.cosign/signature": signature}
        config = compact({"architecture": "", "os": "", "config": {}, "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]}})
        self.manifest(digest.replace(":", "-") + ".sig", compact({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **self.blob(config)), "layers": [layer]}))


def load_or_make_key(out_dir):
    path = os.path.join(out_dir, "trusted.key")
    if os.path.exists(path):
        with open(path, "rb") as handle:
            return serialization.load_pem_private_key(handle.read(), None)
    key = ec.generate_private_key(ec.SECP256R1())
    with open(path, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    with open(os.path.join(out_dir, "trusted.pub"), "wb") as handle:
        handle.write(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo))
    return key


def main():
    base, repo, out_dir = sys.argv[1:4]
    extra = sys.argv[4:]
    upstream = Upstream(base, repo)
    trusted = load_or_make_key(out_dir)
    digests = {}
    if extra:
        for tag in extra:
            digests[tag] = upstream.manifest(tag, upstream.image(("late " + tag).encode()))
        print(json.dumps(digests))
        return
    other = ec.generate_private_key(ec.SECP256R1())
    for tag in ("signed", "unsigned", "other-key", "tampered"):
        digests[tag] = upstream.manifest(tag, upstream.image(("image " + tag + " " + repo).encode()))
    upstream.sign(digests["signed"], trusted)
    upstream.sign(digests["other-key"], other)
    genuine = compact({"critical": {"identity": {"docker-reference": "x/y"}, "image": {"docker-manifest-digest": digests["tampered"]},
                                    "type": "cosign container image signature"}, "optional": None})
    upstream.sign(digests["tampered"], trusted, payload=genuine.replace(b'"x/y"', b'"x/z"'), signed_payload=genuine)
    platforms = []
    for arch in ("amd64", "arm64"):
        manifest = upstream.image(("multi " + arch + " " + repo).encode(), arch)
        platforms.append({"mediaType": OCI_MANIFEST, "size": len(manifest), "digest": upstream.manifest(digest_of(manifest), manifest),
                          "platform": {"architecture": arch, "os": "linux"}})
    index = compact({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": platforms})
    digests["multi"] = upstream.manifest("multi", index, OCI_INDEX)
    for digest in [digests["multi"]] + [p["digest"] for p in platforms]:
        upstream.sign(digest, trusted)
    digests["multi-platforms"] = [p["digest"] for p in platforms]
    print(json.dumps(digests))


if __name__ == "__main__":
    main()
