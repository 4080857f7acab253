"""Seed the upstream test registry with tiny OCI images and cosign legacy signatures.

No container engine is involved: layers, configs and manifests are built here and pushed with the
plain registry v2 API (monolithic blob upload, manifest PUT).

Signatures are written exactly as `cosign sign --key` (legacy tag-based storage) writes them, see
docs SPECS.md section 1: tag `sha256-<hex>.sig` in the image's repository, an OCI manifest whose one
layer is the simple-signing payload and whose annotation holds the base64 DER ECDSA signature.

Re-running pushes byte-identical content (fixed tar/gzip timestamps, reused signatures), so the
digests that tests read from env.json never change for a given state dir.

Prints a JSON document describing the seeded images on stdout.
Needs: requests, cryptography.
"""

import argparse
import base64
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
from urllib.parse import urljoin, urlsplit

import requests
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

# (repository, tag, signed)
IMAGES = [
    ("fixtures/app", "v1", True),
    ("fixtures/app", "v2", True),
    ("fixtures/app", "v3", False),
    ("fixtures/other", "latest", True),
    ("fixtures/unsigned", "latest", False),
]

# (repository, tag, subject): signed keyless by the private Sigstore of --keyless-root
# (tests/utils/private_sigstore.py) for that subject, or not signed when it is None.
KEYLESS_IMAGES = [
    ("keyless/app", "alice", "alice@example.com"),
    ("keyless/app", "mallory", "mallory@example.com"),
    ("keyless/app", "unsigned", None),
]
KEYLESS_ISSUER = "https://issuer.example"

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
COSIGN_SIMPLESIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
COSIGN_SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"

# Any fixed value works; it only has to be the same on every run.
FIXED_MTIME = 1700000000
FIXED_CREATED = "2023-11-14T22:13:20Z"


def compact(obj):
    """JSON the way Go's encoding/json writes it (no spaces, insertion order)."""
    return json.dumps(obj, separators=(",", ":")).encode()


def sha256_digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def descriptor(media_type, data, annotations=None):
    # Field order as go-containerregistry emits it.
    desc = {"mediaType": media_type, "size": len(data), "digest": sha256_digest(data)}
    if annotations:
        desc["annotations"] = annotations
    return desc


def build_layer(repo, tag):
    """One small unique file per image; returns (uncompressed tar, gzipped tar)."""
    content = f"seed image {repo}:{tag}\n".encode()
    buf = io.BytesIO()
    # USTAR and explicit owner/mode/mtime: nothing from this machine or this moment ends up in
    # the bytes, so the layer digest is stable.
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data, mode, kind in (
            ("seed/", None, 0o755, tarfile.DIRTYPE),
            (f"seed/{repo.replace('/', '_')}_{tag}.txt", content, 0o644, tarfile.REGTYPE),
        ):
            info = tarfile.TarInfo(name)
            info.type = kind
            info.mode = mode
            info.mtime = FIXED_MTIME
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.size = len(data) if data else 0
            tar.addfile(info, io.BytesIO(data) if data else None)
    raw = buf.getvalue()
    return raw, gzip.compress(raw, compresslevel=9, mtime=0)


def build_image(repo, tag):
    """Returns (manifest bytes, {digest: blob bytes})."""
    raw, gz = build_layer(repo, tag)
    config = compact(
        {
            "architecture": "amd64",
            "os": "linux",
            "created": FIXED_CREATED,
            "config": {"Labels": {"org.example.seed": f"{repo}:{tag}"}},
            "rootfs": {"type": "layers", "diff_ids": [sha256_digest(raw)]},
            "history": [{"created": FIXED_CREATED, "created_by": "tests/env/seed.py"}],
        }
    )
    manifest = compact(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": descriptor(OCI_CONFIG, config),
            "layers": [descriptor(OCI_LAYER_GZIP, gz)],
        }
    )
    return manifest, {sha256_digest(config): config, sha256_digest(gz): gz}


def simple_signing_payload(docker_reference, manifest_digest):
    # Byte-for-byte what sigstore's payload.Cosign marshals: compact, this key order,
    # "optional": null when there are no annotations, no trailing newline.
    return compact(
        {
            "critical": {
                "identity": {"docker-reference": docker_reference},
                "image": {"docker-manifest-digest": manifest_digest},
                "type": "cosign container image signature",
            },
            "optional": None,
        }
    )


def build_signature_manifest(payload, signature_b64):
    # Config: the minimal one containers/image writes (153 bytes with one layer).
    config = compact(
        {
            "architecture": "",
            "os": "",
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": [sha256_digest(payload)]},
        }
    )
    manifest = compact(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": descriptor(OCI_CONFIG, config),
            "layers": [
                descriptor(
                    COSIGN_SIMPLESIGNING,
                    payload,
                    {COSIGN_SIGNATURE_ANNOTATION: signature_b64},
                )
            ],
        }
    )
    return manifest, {sha256_digest(config): config, sha256_digest(payload): payload}


def signature_tag(manifest_digest):
    return manifest_digest.replace(":", "-", 1) + ".sig"


class Registry:
    def __init__(self, base_url):
        self.base = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.trust_env = False  # never send 127.0.0.1 traffic through a proxy

    def _check(self, resp, *ok):
        if resp.status_code not in ok:
            raise RuntimeError(
                f"{resp.request.method} {resp.url}: HTTP {resp.status_code}: {resp.text[:500]}"
            )
        return resp

    def push_blob(self, repo, data):
        digest = sha256_digest(data)
        url = f"{self.base}/v2/{repo}/blobs/{digest}"
        if self.session.head(url, timeout=30).status_code == 200:
            return
        resp = self._check(
            self.session.post(f"{self.base}/v2/{repo}/blobs/uploads/", timeout=30), 202
        )
        location = urljoin(self.base + "/", resp.headers["Location"])
        sep = "&" if "?" in location else "?"
        self._check(
            self.session.put(
                f"{location}{sep}digest={digest}",
                data=data,
                headers={"Content-Type": "application/octet-stream"},
                timeout=60,
            ),
            201,
        )

    def get_manifest(self, repo, ref):
        resp = self.session.get(
            f"{self.base}/v2/{repo}/manifests/{ref}",
            headers={"Accept": OCI_MANIFEST},
            timeout=30,
        )
        if resp.status_code == 404:
            return None
        return self._check(resp, 200).content

    def put_manifest(self, repo, ref, manifest, blobs):
        """Push blobs and manifest unless the tag already holds exactly these bytes."""
        digest = sha256_digest(manifest)
        if self.get_manifest(repo, ref) == manifest:
            return digest, False
        for blob in blobs.values():
            self.push_blob(repo, blob)
        resp = self._check(
            self.session.put(
                f"{self.base}/v2/{repo}/manifests/{ref}",
                data=manifest,
                headers={"Content-Type": OCI_MANIFEST},
                timeout=30,
            ),
            201,
        )
        got = resp.headers.get("Docker-Content-Digest")
        if got and got != digest:
            raise RuntimeError(f"registry stored {repo}:{ref} as {got}, expected {digest}")
        return digest, True


def load_or_create_key(key_path, pub_path):
    if os.path.exists(key_path):
        with open(key_path, "rb") as fh:
            key = serialization.load_pem_private_key(fh.read(), password=None)
    else:
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(key_path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        os.replace(key_path + ".tmp", key_path)
    pub = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if not os.path.exists(pub_path) or open(pub_path, "rb").read() != pub:
        with open(pub_path, "wb") as fh:
            fh.write(pub)
    return key


def verifies(public_key, signature_b64, payload):
    try:
        public_key.verify(base64.b64decode(signature_b64), payload, ec.ECDSA(hashes.SHA256()))
        return True
    except (InvalidSignature, ValueError):
        return False


def sign(key, payload):
    # ECDSA is randomised by default; deterministic (RFC 6979) signing where the installed
    # cryptography/OpenSSL offers it, so that even a fresh registry gets the same bytes.
    try:
        algorithm = ec.ECDSA(hashes.SHA256(), deterministic_signing=True)
        return key.sign(payload, algorithm)
    except (TypeError, UnsupportedAlgorithm):
        return key.sign(payload, ec.ECDSA(hashes.SHA256()))


def existing_signature(registry, repo, tag, payload, public_key):
    """The signature already stored under TAG, if it signs exactly PAYLOAD with our key."""
    manifest = registry.get_manifest(repo, tag)
    if not manifest:
        return None
    try:
        layer = json.loads(manifest)["layers"][0]
        sig = layer["annotations"][COSIGN_SIGNATURE_ANNOTATION]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    if layer.get("digest") == sha256_digest(payload) and verifies(public_key, sig, payload):
        return sig
    return None


def seed_keyless(registry, url, root, images):
    """Push KEYLESS_IMAGES and sign them keyless, once (a signature already there is kept: keyless
    signatures are new bytes each time). Returns how many manifests were pushed."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "utils"))
    import private_sigstore  # pylint: disable=import-outside-toplevel,import-error

    if not os.path.exists(os.path.join(root, "trusted_root.json")):
        private_sigstore.init(root)
    host = urlsplit(url).netloc
    client = private_sigstore.session()
    pushed = 0
    for repo, tag, subject in KEYLESS_IMAGES:
        manifest, blobs = build_image(repo, tag)
        digest, changed = registry.put_manifest(repo, tag, manifest, blobs)
        pushed += changed
        images.append({"repo": repo, "tag": tag, "digest": digest, "reference": f"{host}/{repo}:{tag}",
                       "signed": False, "keyless": subject, "signature_tag": None, "signature_digest": None})
        if subject and registry.get_manifest(repo, signature_tag(digest)) is None:
            payload, layer = private_sigstore.keyless_layer(root, f"{host}/{repo}", digest, subject, KEYLESS_ISSUER)
            private_sigstore.push_signature(client, url, repo, digest, payload, layer)
            pushed += 1
    return pushed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--registry", default="http://127.0.0.1:5000")
    parser.add_argument("--state-dir", required=True, help="holds the seed key and signature cache")
    parser.add_argument("--keyless-root", help="a private Sigstore (made there once) that signs KEYLESS_IMAGES")
    args = parser.parse_args()

    state = os.path.abspath(args.state_dir)
    key_path = os.path.join(state, "seed-cosign.key")
    pub_path = os.path.join(state, "seed-cosign.pub")
    cache_path = os.path.join(state, "seed-signatures.json")
    key = load_or_create_key(key_path, pub_path)
    public_key = key.public_key()
    try:
        with open(cache_path) as fh:
            cache = json.load(fh)
    except (OSError, ValueError):
        cache = {}

    registry = Registry(args.registry)
    host = urlsplit(args.registry).netloc
    images = []
    pushed = 0
    for repo, tag, signed in IMAGES:
        manifest, blobs = build_image(repo, tag)
        digest, changed = registry.put_manifest(repo, tag, manifest, blobs)
        pushed += changed
        entry = {
            "repo": repo,
            "tag": tag,
            "digest": digest,
            "reference": f"{host}/{repo}:{tag}",
            "signed": signed,
            "signature_tag": None,
            "signature_digest": None,
        }
        if signed:
            sig_tag = signature_tag(digest)
            payload = simple_signing_payload(f"{host}/{repo}", digest)
            payload_digest = sha256_digest(payload)
            sig = cache.get(payload_digest)
            if not (sig and verifies(public_key, sig, payload)):
                sig = existing_signature(registry, repo, sig_tag, payload, public_key)
            if not sig:
                sig = base64.b64encode(sign(key, payload)).decode()
            cache[payload_digest] = sig
            sig_manifest, sig_blobs = build_signature_manifest(payload, sig)
            sig_digest, changed = registry.put_manifest(repo, sig_tag, sig_manifest, sig_blobs)
            pushed += changed
            entry.update(signature_tag=sig_tag, signature_digest=sig_digest)
        images.append(entry)

    if args.keyless_root:
        pushed += seed_keyless(registry, args.registry, args.keyless_root, images)

    with open(cache_path + ".tmp", "w") as fh:
        json.dump(cache, fh, indent=1, sort_keys=True)
    os.replace(cache_path + ".tmp", cache_path)

    json.dump(
        {
            "registry": args.registry,
            "public_key": pub_path,
            "private_key": key_path,
            "pushed_manifests": pushed,
            "images": images,
        },
        sys.stdout,
        indent=2,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
