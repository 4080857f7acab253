"""The registry the sigstore_client scenarios pull from: docker-registry on 127.0.0.1:PORT, seeded
with tiny images signed by real cosign.

    python3 test_registry.py start --port 5090 --state-dir DIR --cosign build/tools/bin/cosign
    python3 test_registry.py stop --state-dir DIR

``start`` starts Debian's ``docker-registry`` in its own session, records its PID and the
process's start time (DIR/registry.pid, DIR/registry.start) and seeds it; when that very process
is still running it is reused as it is. ``stop`` signals only the recorded process group, and
only if the process with that PID still has the recorded start time. Nothing else is ever
signalled, and nothing listens anywhere but 127.0.0.1.

What is seeded (DIR/seed.json lists references and digests), all with tag ``1``:

- ``upstream/app``      signed with the trusted key (cosign: identity ``<registry>/upstream/app``)
- ``upstream/rotated``  signed with the rotation key (the second key of the same scope)
- ``upstream/unsigned`` no signature
- ``upstream/other``    signed with a key nobody trusts
- ``mirror/app``, ``naive/app``   ``upstream/app`` and its ``.sig`` tag copied byte for byte, as a
  Pulp mirror serves them: the signature still names ``<registry>/upstream/app``
- ``outside/app``       unsigned, in no scope the role configures (the default policy applies)

Images are built here (an OCI manifest, a config, one gzip layer with a file naming the image),
pushed with the registry API and signed with ``cosign sign --key ... --tlog-upload=false``
(cosign 2.5 from tests/env/clients.sh, ``--cosign``). Keys (``trusted``, ``rotation``,
``other``: ``.key`` / ``.pub``) are made with ``cosign generate-key-pair`` in DIR/keys.

Needs only the Python standard library, /usr/bin/docker-registry and cosign.
"""

from __future__ import absolute_import, division, print_function

import argparse
import gzip
import hashlib
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import time
from urllib.error import HTTPError, URLError
from urllib.parse import urljoin
from urllib.request import Request, build_opener, ProxyHandler

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
COSIGN_PASSWORD = "molecule-test-only"
# (repository, key that signs it or None)
IMAGES = [
    ("upstream/app", "trusted"),
    ("upstream/rotated", "rotation"),
    ("upstream/unsigned", None),
    ("upstream/other", "other"),
    ("outside/app", None),
]
# (source repository, copies served like a Pulp mirror serves them)
MIRRORED = [("upstream/app", ("mirror/app", "naive/app"))]
TAG = "1"
# Loopback only, never through a proxy.
HTTP = build_opener(ProxyHandler({}))


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def compact(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def build_image(text):
    """(manifest bytes, {digest: blob}) of a one-layer image whose file holds ``text``; reproducible."""
    content = text.encode()
    tar_buf = io.BytesIO()
    with tarfile.open(fileobj=tar_buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("signed-registry.txt")
        info.size, info.mode, info.mtime = len(content), 0o644, 0
        tar.addfile(info, io.BytesIO(content))
    layer_tar = tar_buf.getvalue()
    gz_buf = io.BytesIO()
    with gzip.GzipFile(fileobj=gz_buf, mode="wb", mtime=0, filename="") as gz:
        gz.write(layer_tar)
    layer = gz_buf.getvalue()
    config = compact({"architecture": "amd64", "os": "linux", "config": {},
                      "rootfs": {"type": "layers", "diff_ids": [sha256(layer_tar)]}})
    manifest = compact({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": sha256(config), "size": len(config)},
        "layers": [{"mediaType": OCI_LAYER, "digest": sha256(layer), "size": len(layer)}],
    })
    return manifest, {sha256(config): config, sha256(layer): layer}


def write_oci_layout(directory, tag, manifest, blobs):
    """An OCI image layout (for ``skopeo copy oci:DIR:TAG``)."""
    os.makedirs(os.path.join(directory, "blobs", "sha256"), exist_ok=True)
    for data in list(blobs.values()) + [manifest]:
        with open(os.path.join(directory, "blobs", "sha256", sha256(data)[7:]), "wb") as handle:
            handle.write(data)
    with open(os.path.join(directory, "oci-layout"), "w") as handle:
        handle.write('{"imageLayoutVersion":"1.0.0"}')
    index = {"schemaVersion": 2, "manifests": [{
        "mediaType": OCI_MANIFEST, "digest": sha256(manifest), "size": len(manifest),
        "annotations": {"org.opencontainers.image.ref.name": tag}}]}
    with open(os.path.join(directory, "index.json"), "w") as handle:
        json.dump(index, handle)


# -- registry API ----------------------------------------------------------------------------------

class Registry:
    def __init__(self, port):
        self.base = "http://127.0.0.1:%d" % port

    def call(self, method, path, data=None, headers=None, ok=(200,)):
        request = Request(urljoin(self.base, path), data=data, method=method, headers=headers or {})
        try:
            response = HTTP.open(request, timeout=30)
        except HTTPError as exc:
            if exc.code in ok:
                return exc
            raise RuntimeError("%s %s: HTTP %d %s" % (method, path, exc.code, exc.read()[:300]))
        if response.status not in ok:
            raise RuntimeError("%s %s: HTTP %d" % (method, path, response.status))
        return response

    def answers(self):
        try:
            self.call("GET", "/v2/")
            return True
        except (URLError, OSError, RuntimeError):
            return False

    def push_blob(self, repo, data, mount_from=None):
        digest = sha256(data)
        if mount_from:
            resp = self.call("POST", "/v2/%s/blobs/uploads/?mount=%s&from=%s" % (repo, digest, mount_from),
                             data=b"", ok=(201, 202))
            if resp.status == 201:
                return
        else:
            resp = self.call("POST", "/v2/%s/blobs/uploads/" % repo, data=b"", ok=(202,))
        location = resp.headers["Location"]
        sep = "&" if "?" in location else "?"
        self.call("PUT", "%s%sdigest=%s" % (location, sep, digest), data=data,
                  headers={"Content-Type": "application/octet-stream"}, ok=(201,))

    def put_manifest(self, repo, ref, manifest, media_type=OCI_MANIFEST):
        self.call("PUT", "/v2/%s/manifests/%s" % (repo, ref), data=manifest,
                  headers={"Content-Type": media_type}, ok=(201,))

    def get_manifest(self, repo, ref):
        resp = self.call("GET", "/v2/%s/manifests/%s" % (repo, ref),
                         headers={"Accept": OCI_MANIFEST})
        return resp.read(), resp.headers["Content-Type"]

    def get_blob(self, repo, digest):
        return self.call("GET", "/v2/%s/blobs/%s" % (repo, digest)).read()

    def copy(self, src, dst, ref):
        """Manifest ``ref`` of ``src`` and its blobs to ``dst``, byte for byte (what a Pulp sync does)."""
        manifest, media_type = self.get_manifest(src, ref)
        doc = json.loads(manifest)
        for desc in [doc["config"]] + doc.get("layers", []):
            self.push_blob(dst, self.get_blob(src, desc["digest"]), mount_from=src)
        self.put_manifest(dst, ref, manifest, media_type)
        return sha256(manifest)


# -- process handling --------------------------------------------------------------------------

def start_time(pid):
    """Field 22 of /proc/PID/stat (start time in clock ticks): a reused PID has another one."""
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError, ValueError):
        return None


def running_pid(state):
    try:
        with open(os.path.join(state, "registry.pid")) as handle:
            pid = int(handle.read().strip())
        with open(os.path.join(state, "registry.start")) as handle:
            recorded = handle.read().strip()
    except (OSError, ValueError):
        return None
    return pid if start_time(pid) == recorded else None


def port_in_use(port):
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start_registry(state, port):
    pid = running_pid(state)
    if pid:
        with open(os.path.join(state, "port")) as handle:
            if int(handle.read()) != port:
                raise SystemExit("docker-registry runs on another port (PID %d): stop it first" % pid)
        return pid, False
    if port_in_use(port):
        raise SystemExit("127.0.0.1:%d is already in use by another process" % port)
    data = os.path.join(state, "data")
    shutil.rmtree(data, ignore_errors=True)  # a new registry starts empty: seeding gives known digests
    os.makedirs(data)
    config = os.path.join(state, "config.yml")
    with open(config, "w") as handle:
        handle.write("# Written by test_registry.py (sigstore_client molecule scenarios).\n"
                     "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\n"
                     "  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:%d\n" % (data, port))
    with open(os.path.join(state, "registry.log"), "ab") as log:
        proc = subprocess.Popen(["/usr/bin/docker-registry", "serve", config], stdin=subprocess.DEVNULL,
                                stdout=log, stderr=log, close_fds=True, start_new_session=True)
    for name, value in (("registry.pid", proc.pid), ("registry.start", start_time(proc.pid)), ("port", port)):
        with open(os.path.join(state, name), "w") as handle:
            handle.write("%s\n" % value)
    registry = Registry(port)
    for dummy in range(100):
        if registry.answers():
            return proc.pid, True
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    stop_registry(state)
    raise SystemExit("docker-registry did not answer on 127.0.0.1:%d (see %s/registry.log)" % (port, state))


def stop_registry(state):
    pid = running_pid(state)
    if pid:
        os.killpg(pid, signal.SIGTERM)  # the registry's own session: its PID is the group's id
        for dummy in range(100):
            if running_pid(state) != pid:
                break
            time.sleep(0.1)
        else:
            os.killpg(pid, signal.SIGKILL)
    for name in ("registry.pid", "registry.start"):
        try:
            os.unlink(os.path.join(state, name))
        except OSError:
            pass
    return pid


# -- keys and signatures (real cosign) ------------------------------------------------------------

def cosign_env():
    env = dict(os.environ, COSIGN_PASSWORD=COSIGN_PASSWORD)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env.pop(name, None)
    return env


def make_keys(cosign, keys):
    os.makedirs(keys, exist_ok=True)
    for name in ("trusted", "rotation", "other"):
        if not os.path.exists(os.path.join(keys, name + ".pub")):
            subprocess.run([cosign, "generate-key-pair", "--output-key-prefix", os.path.join(keys, name)],
                           env=cosign_env(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def cosign_sign(cosign, key, reference):
    subprocess.run([cosign, "sign", "--key", key, "--tlog-upload=false", "--allow-http-registry", "-y", reference],
                   env=cosign_env(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def seed(state, port, cosign):
    registry = Registry(port)
    host = "127.0.0.1:%d" % port
    keys = os.path.join(state, "keys")
    make_keys(cosign, keys)
    images = {}
    for repo, key in IMAGES:
        manifest, blobs = build_image("signed.registry sigstore_client test image %s\n" % repo)
        for data in blobs.values():
            registry.push_blob(repo, data)
        registry.put_manifest(repo, TAG, manifest)
        digest = sha256(manifest)
        if key:
            cosign_sign(cosign, os.path.join(keys, key + ".key"), "%s/%s@%s" % (host, repo, digest))
        images[repo] = {"reference": "%s/%s:%s" % (host, repo, TAG), "digest": digest, "signed_by": key}
    for src, copies in MIRRORED:
        digest = images[src]["digest"]
        signature_tag = digest.replace(":", "-") + ".sig"
        for dst in copies:
            registry.copy(src, dst, TAG)
            registry.copy(src, dst, signature_tag)
            images[dst] = dict(images[src], reference="%s/%s:%s" % (host, dst, TAG), mirror_of=src)
    return {
        "registry": host,
        "keys": dict((name, os.path.join(keys, name + ".pub")) for name in ("trusted", "rotation", "other")),
        "images": images,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--port", type=int, default=5090)
    parser.add_argument("--cosign", default="cosign")
    args = parser.parse_args()
    state = os.path.abspath(args.state_dir)
    if args.action == "stop":
        pid = stop_registry(state)
        print("stopped docker-registry (PID %d)" % pid if pid else "not running")
        return
    os.makedirs(state, exist_ok=True)
    seed_file = os.path.join(state, "seed.json")
    pid, started = start_registry(state, args.port)
    if started or not os.path.exists(seed_file):
        try:
            result = seed(state, args.port, args.cosign)
        except (subprocess.CalledProcessError, RuntimeError, OSError) as exc:
            stop_registry(state)
            detail = getattr(exc, "stderr", None)
            raise SystemExit("seeding failed: %s%s" % (exc, "\n" + detail.decode() if detail else ""))
        result.update(pid=pid, state_dir=state)
        with open(seed_file + ".tmp", "w") as handle:
            json.dump(result, handle, indent=2)
        os.rename(seed_file + ".tmp", seed_file)
    with open(seed_file) as handle:
        json.load(handle)
    print("%s docker-registry on 127.0.0.1:%d (PID %d), seed in %s"
          % ("started" if started else "reusing", args.port, pid, seed_file))


if __name__ == "__main__":
    sys.exit(main())
