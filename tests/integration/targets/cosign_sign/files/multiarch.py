"""Push an unsigned multi-arch image (an OCI index of two platform manifests) to a registry.

Usage: python multiarch.py REGISTRY_URL REPOSITORY TAG
Prints {"index": digest, "platforms": [digest, digest]} as JSON.
"""

import gzip
import hashlib
import io
import json
import sys
import tarfile

import requests

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def digest_of(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def main():
    base, repo, tag = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    session = requests.Session()

    def blob(data):
        start = session.post("%s/v2/%s/blobs/uploads/" % (base, repo))
        start.raise_for_status()
        location = start.headers["Location"]
        location = base + location if location.startswith("/") else location
        session.put(location + ("&" if "?" in location else "?") + "digest=" + digest_of(data), data=data).raise_for_status()
        return {"size": len(data), "digest": digest_of(data)}

    def put(ref, data, media_type):
        session.put("%s/v2/%s/manifests/%s" % (base, repo, ref), data=data,
                    headers={"Content-Type": media_type}).raise_for_status()
        return digest_of(data)

    platforms = []
    for arch in ("amd64", "arm64"):
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w") as tar:
            content = ("%s %s" % (repo, arch)).encode()
            info = tarfile.TarInfo("arch.txt")
            info.size, info.mtime = len(content), 0
            tar.addfile(info, io.BytesIO(content))
        layer = gzip.compress(raw.getvalue(), mtime=0)
        config = json.dumps({"architecture": arch, "os": "linux", "config": {},
                             "rootfs": {"type": "layers", "diff_ids": [digest_of(raw.getvalue())]}}).encode()
        manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                               "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **blob(config)),
                               "layers": [dict(mediaType="application/vnd.oci.image.layer.v1.tar+gzip", **blob(layer))]}).encode()
        platforms.append({"mediaType": OCI_MANIFEST, "size": len(manifest),
                          "digest": put(digest_of(manifest), manifest, OCI_MANIFEST),
                          "platform": {"architecture": arch, "os": "linux"}})
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": platforms}).encode()
    print(json.dumps({"index": put(tag, index, OCI_INDEX), "platforms": [p["digest"] for p in platforms]}))


if __name__ == "__main__":
    main()
