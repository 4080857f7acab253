# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""cosign signatures on a registry: the ``sha256-<hex>.sig`` image as cosign writes it,
adding and removing a key's signatures without losing anyone else's, and verifying them.
Built on _oci (transport) and _cosign (formats).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import json
import random
import time

from ansible_collections.signed.registry.plugins.module_utils._cosign import (
    SIGNATURE_ANNOTATION,
    SIMPLESIGNING_MEDIA_TYPE,
    go_json,
    key_id,
    make_payload,
    sign,
    verify,
)
from ansible_collections.signed.registry.plugins.module_utils._errors import SignedRegistryError
from ansible_collections.signed.registry.plugins.module_utils._http import HTTPError
from ansible_collections.signed.registry.plugins.module_utils._oci import (
    DOCKER_MANIFEST,
    INDEX_TYPES,
    OCI_MANIFEST,
    RegistryError,
    sha256_digest,
)
from ansible_collections.signed.registry.plugins.module_utils._reference import signature_tag

OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
ZERO_TIME = "0001-01-01T00:00:00Z"
# A simple-signing payload is a few hundred bytes; anything large is an attack on the verifier.
MAX_PAYLOAD_SIZE = 64 * 1024
MAX_BUNDLE_SIZE = 1024 * 1024
COSIGN_SIG_ARTIFACT = "application/vnd.dev.cosign.artifact.sig.v1+json"
# Concurrent signers overwrite each other's .sig manifest; re-read until ours has stayed put.
SETTLE_READS = 3
MIN_SETTLE_SPACING = 0.1
MAX_ATTEMPTS = 16
# A signer spends most of its time sleeping between those reads, not on the CPU or the wire:
# twice the usual workers overlap the waits (still within _http's pool of 16 connections).
SIGNING_WORKERS = 16


class SignatureError(SignedRegistryError):
    """A signature operation that could not complete."""


# -- the signature image ---------------------------------------------------------------------


def layer_descriptor(payload, signature_b64, annotations=None):
    """A .sig layer as cosign writes it (Go field order: mediaType, size, digest, annotations)."""
    layer_annotations = dict(annotations or {})
    layer_annotations[SIGNATURE_ANNOTATION] = signature_b64
    return {"mediaType": SIMPLESIGNING_MEDIA_TYPE, "size": len(payload), "digest": sha256_digest(payload),
            "annotations": dict(sorted(layer_annotations.items()))}


def canonical_layer(layer):
    ordered = dict((k, layer[k]) for k in ("mediaType", "size", "digest") if k in layer)
    for key in sorted(set(layer) - set(ordered)):
        ordered[key] = dict(sorted(layer[key].items())) if key == "annotations" else layer[key]
    return ordered


def signature_image(layers):
    """(manifest bytes, config bytes) of a .sig image holding ``layers``, byte for byte as cosign
    (go-containerregistry's empty image plus one appended layer per signature) writes it."""
    layers = [canonical_layer(layer) for layer in layers]
    config = go_json({
        "architecture": "",
        "created": ZERO_TIME,
        "history": [{"created": ZERO_TIME} for _layer in layers],
        "os": "",
        "rootfs": {"type": "layers", "diff_ids": [layer["digest"] for layer in layers]},
        "config": {},
    })
    manifest = go_json({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "size": len(config), "digest": sha256_digest(config)},
        "layers": layers,
    })
    return manifest, config


def read_signature_layers(registry, repository, digest, suffix="sig"):
    """The layers of the image's .sig (or .att) manifest, [] when there is none."""
    found = registry.get_manifest(repository, signature_tag(digest, suffix), accept=OCI_MANIFEST + ", " + DOCKER_MANIFEST)
    if found is None:
        return []
    try:
        manifest = json.loads(found[0].decode("utf-8"))
        layers = manifest["layers"]
        if not isinstance(layers, list) or not all(isinstance(layer, dict) for layer in layers):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise RegistryError("the manifest %s of %s is malformed" % (signature_tag(digest, suffix), repository))
    return layers


def write_signature_layers(registry, repository, digest, layers, payloads, suffix="sig", check=True):
    """Push the blobs and the .sig (or .att) manifest holding ``layers``; delete it when none are left.

    ``check=False`` uploads the blobs without asking first: a new payload (it names the image)
    and its config are new to the registry on a first write.
    """
    tag = signature_tag(digest, suffix)
    if not layers:
        current = registry.resolve(repository, tag)
        if current:
            registry.delete_manifest(repository, current)
        return
    manifest, config = signature_image(layers)
    for layer in layers:
        if layer["digest"] in payloads:
            registry.push_blob(repository, payloads[layer["digest"]], check=check)
    registry.push_blob(repository, config, check=check)
    registry.put_manifest(repository, tag, manifest, OCI_MANIFEST)


# -- what a layer says -----------------------------------------------------------------------


def layer_signature(layer):
    value = (layer.get("annotations") or {}).get(SIGNATURE_ANNOTATION)
    if not value:
        return None, "the layer has no %s annotation" % SIGNATURE_ANNOTATION
    try:
        return base64.b64decode(value, validate=True), None
    except (binascii.Error, ValueError):
        return None, "the signature annotation is not valid base64"


def layer_identity(layer):
    return layer.get("digest"), (layer.get("annotations") or {}).get(SIGNATURE_ANNOTATION)


def signing_key_index(layer, payload, public_keys):
    """Index of the first key whose signature on ``payload`` the layer carries, or None."""
    signature, _problem = layer_signature(layer)
    if signature is None:
        return None
    for index, key in enumerate(public_keys):
        if verify(key, payload, signature):
            return index
    return None


def fetch_payload(registry, repository, layer, limit=MAX_PAYLOAD_SIZE):
    size = layer.get("size")
    if not isinstance(size, int) or size < 0 or size > limit:
        raise SignatureError("the payload is %r bytes, more than the %d a signature payload may have"
                             % (size, limit))
    try:
        payload = registry.get_blob(repository, layer.get("digest"), max_size=limit)
    except HTTPError as exc:
        # One missing or refused blob is that signature's rejection, not the image's failure.
        raise SignatureError("the payload %s could not be read: HTTP %s" % (layer.get("digest"), exc.status or exc))
    if len(payload) != size:
        raise SignatureError("the payload has %d bytes where the layer says %d" % (len(payload), size))
    return payload


# -- referrers -------------------------------------------------------------------------------


def referrer_manifests(registry, repository, digest, with_digest=False):
    """The manifests that name the image as their subject (referrers API or fallback tag);
    with ``with_digest``, (manifest, its digest) pairs."""
    for descriptor in registry.referrers(repository, digest):
        found = registry.get_manifest(repository, descriptor.get("digest"), accept=OCI_MANIFEST)
        if found is None:
            continue
        try:
            manifest = json.loads(found[0].decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(manifest, dict):
            yield (manifest, found[2]) if with_digest else manifest


# -- signing ---------------------------------------------------------------------------------


class Signer:
    """Adds or removes one key's signatures, keeping every other signer's."""

    def __init__(self, private_key, check_mode=False, sleep=time.sleep, clock=time.monotonic):
        self.private_key = private_key
        self.public_key = private_key.public_key()
        self.key_id = key_id(private_key)
        self.check_mode = check_mode
        self._sleep = sleep
        self._clock = clock

    def _ours(self, registry, repository, layers):
        """{(payload digest, signature): payload digest} of the layers this key signed.

        Two keys signing the same claims produce the same payload: a layer is only ours when
        its signature verifies with our key, and it is told apart by its signature too.
        """
        ours = {}
        for layer in layers:
            if layer.get("mediaType") != SIMPLESIGNING_MEDIA_TYPE:
                continue
            try:
                payload = fetch_payload(registry, repository, layer)
            except (SignatureError, RegistryError):
                continue
            if signing_key_index(layer, payload, [self.public_key]) is not None:
                ours[layer_identity(layer)] = layer["digest"]
        return ours

    def sign(self, registry, repository, digest, identity, annotations=None):
        """Make sure a signature by this key with these claims is attached; True when one was added."""
        payload = make_payload(identity, digest, annotations)
        wanted = sha256_digest(payload)
        layers = read_signature_layers(registry, repository, digest)
        if wanted in self._ours(registry, repository, layers).values():
            return False
        if self.check_mode:
            return True
        layer = layer_descriptor(payload, base64.b64encode(sign(self.private_key, payload)).decode("ascii"))

        def present(current):
            return any(layer_identity(existing) == layer_identity(layer) for existing in current)

        def add(current):
            return current if present(current) else current + [layer]

        # With no signature there, nothing was fetched since that read: it is still fresh enough
        # to write on, and saves a request per newly signed image.
        self._converge(registry, repository, digest, add, present, {wanted: payload},
                       first_read=[] if not layers else None)
        return True

    def unsign(self, registry, repository, digest):
        """Remove this key's signatures from the image; True when any were there."""
        layers = read_signature_layers(registry, repository, digest)
        ours = self._ours(registry, repository, layers)
        if not ours:
            return False
        if self.check_mode:
            return True

        def remove(current):
            return [layer for layer in current if layer_identity(layer) not in ours]

        def gone(current):
            return not any(layer_identity(layer) in ours for layer in current)

        self._converge(registry, repository, digest, remove, gone, {})
        return True

    def _converge(self, registry, repository, digest, change, done, payloads, suffix="sig", first_read=None):
        """Apply ``change`` to the current layers until ``done`` holds on several reads in a row.

        Registries have no compare-and-swap for tags: another signer may replace the manifest
        between our read and our write. Re-reading, and merging again when our change was
        lost, makes concurrent signers converge on the union of their signatures.
        """
        steady = 0
        spacing = MIN_SETTLE_SPACING
        for attempt in range(MAX_ATTEMPTS):
            if attempt and not steady:
                self._sleep(random.uniform(0.02, 0.2) * attempt)
            # Read right before writing: the shorter that gap, the fewer writers it can hide.
            cycle_started = self._clock()
            try:
                if attempt == 0 and first_read is not None:
                    current = first_read
                else:
                    current = read_signature_layers(registry, repository, digest, suffix)
            except HTTPError as exc:
                if not _raced(exc, attempt):
                    raise
                steady = 0
                continue
            if done(current):
                steady += 1
                if steady >= SETTLE_READS:
                    return
                self._sleep(random.uniform(spacing, 2 * spacing))
                continue
            steady = 0
            try:
                write_signature_layers(registry, repository, digest, change(current), payloads, suffix,
                                       check=attempt > 0)
            except HTTPError as exc:
                if not _raced(exc, attempt):
                    raise
                continue
            # A writer that read before our write can overwrite it until its own read-to-write
            # gap has passed; under the same load that gap is about as long as ours, so keep
            # checking for several of our own cycles, however slow the machine is right now.
            spacing = max(MIN_SETTLE_SPACING, 2 * (self._clock() - cycle_started))
        raise SignatureError("the signatures of %s@%s kept changing under concurrent writers; giving up after "
                             "%d attempts" % (repository, digest, MAX_ATTEMPTS))


def _raced(error, attempt):
    """Whether a failed read or write is another writer's doing, worth another round.

    Registries answer concurrent writes of one tag with errors of their own: docker-registry
    says 500 while a tag is replaced under a reader, and "blob unknown" when a manifest names a
    blob another writer is still uploading.
    """
    return attempt < MAX_ATTEMPTS - 1 and error.status in (400, 404, 500)


def platform_digests(registry, repository, digest):
    """The manifests of a multi-arch index (empty for a single image)."""
    found = registry.get_manifest(repository, digest)
    if found is None:
        raise RegistryError("%s has no manifest %s" % (repository, digest))
    data, media_type, _digest = found
    if media_type not in INDEX_TYPES:
        return []
    index = json.loads(data.decode("utf-8"))
    return [m["digest"] for m in index.get("manifests") or [] if isinstance(m, dict) and m.get("digest")]
