# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A private Sigstore for tests: a Fulcio CA (root and intermediate), a CT log and a Rekor log,
made with cryptography, signing at fixed past times. It issues Fulcio-style certificates (SAN,
OIDC issuer extension, code signing, an embedded SCT) and Rekor SETs, and writes cosign's legacy
keyless signature layers, so that the real cosign, skopeo and the modules can be given the same
signatures and their verdicts compared.

    private_sigstore.py init DIR
    private_sigstore.py sign DIR --registry http://127.0.0.1:5000 --repository ns/app --digest sha256:...
        --reference 127.0.0.1:5000/ns/app --subject alice@example.com --issuer https://issuer.example
        [--fault NAME]
    private_sigstore.py attest DIR (the same options) --predicate-type https://slsa.dev/provenance/v1
    either with --format bundle: a sigstore bundle (v0.3) attached as an OCI referrer instead

Pushes use plain HTTP or, with --ca-cert, HTTPS; REGISTRY_USERNAME and REGISTRY_PASSWORD (from the
environment) give Basic credentials.

``init`` writes DIR/trusted_root.json (the whole root), DIR/fulcio.pem (root and intermediate,
for SIGSTORE_ROOT_FILE), DIR/rekor.pub, DIR/ctlog.pub, and the CA and log keys (0600). ``sign``
adds one signature layer to the image's ``.sig`` manifest on a registry without auth, ``attest``
one in-toto attestation to its ``.att`` manifest. Faults make a signature that must be refused:
see FAULTS.

The payload and the ``.sig`` image are written here, not with the collection's _cosign and
_signatures: what the modules verify is then not made by the code under test (cosign is the judge
of the format), and this runs as a plain script where the collection is not importable.
"""

from __future__ import absolute_import, division, print_function

import argparse
import base64
import datetime
import hashlib
import json
import os
import struct
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

UTC = datetime.timezone.utc
# Everything happens on one past day: certificates of ten minutes, as Fulcio issues them.
SIGNED_AT = datetime.datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)
CERT_LIFETIME = datetime.timedelta(minutes=10)
SCT_LIST_OID = ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")
ISSUER_V1 = ObjectIdentifier("1.3.6.1.4.1.57264.1.1")
ISSUER_V2 = ObjectIdentifier("1.3.6.1.4.1.57264.1.8")
FAULTS = {
    "altered-set": "the SET's signature is changed after signing",
    "other-rekor": "the SET is made by another Rekor key than the root's",
    "outside-validity": "the entry is integrated an hour after the certificate expired (SET valid)",
    "untrusted-ca": "the certificate comes from a CA the root does not hold",
    "no-sct": "the certificate has no SCT",
    "bad-sct": "the SCT is signed by another CT log key",
    "no-codesigning": "the certificate's extended key usage is clientAuth, not codeSigning",
    "other-digest": "the payload names another image",
    "bad-inclusion-proof": "(bundles) the checkpoint the Rekor key signs names another tree than the inclusion proof leads to",
}


def der_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def spki(key):
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def new_key():
    return ec.generate_private_key(ec.SECP256R1())


def save_key(path, key):
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def load_key(path):
    with open(path, "rb") as handle:
        return serialization.load_pem_private_key(handle.read(), None)


def ca_cert(name, key, issuer_name, issuer_key, path_length):
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, u"signed.registry tests"),
                         x509.NameAttribute(NameOID.COMMON_NAME, name)])
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name or subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(datetime.datetime(2020, 1, 1, tzinfo=UTC))
            .not_valid_after(datetime.datetime(2035, 1, 1, tzinfo=UTC))
            .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key((issuer_key or key).public_key()),
                           critical=False)
            .sign(issuer_key or key, hashes.SHA256()))


def b64(data):
    return base64.b64encode(data).decode("ascii")


def log_entry(key, url):
    return {"baseUrl": url, "hashAlgorithm": "SHA2_256",
            "publicKey": {"rawBytes": b64(spki(key.public_key())), "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                          "validFor": {"start": "2020-01-01T00:00:00Z"}},
            "logId": {"keyId": b64(hashlib.sha256(spki(key.public_key())).digest())}}


def init(directory):
    os.makedirs(directory, exist_ok=True)
    root_key, intermediate_key, rekor_key, ct_key = new_key(), new_key(), new_key(), new_key()
    root = ca_cert(u"test fulcio root", root_key, None, None, 1)
    intermediate = ca_cert(u"test fulcio intermediate", intermediate_key, root.subject, root_key, 0)
    for name, key in (("root", root_key), ("intermediate", intermediate_key), ("rekor", rekor_key), ("ctlog", ct_key)):
        save_key(os.path.join(directory, name + ".key"), key)
    files = {
        "root.pem": der_pem(root), "intermediate.pem": der_pem(intermediate),
        "fulcio.pem": der_pem(root) + der_pem(intermediate),
        "rekor.pub": rekor_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        "ctlog.pub": ct_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        "trusted_root.json": json.dumps({
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [log_entry(rekor_key, "https://rekor.test")],
            "certificateAuthorities": [{
                "subject": {"organization": "signed.registry tests", "commonName": "test fulcio"},
                "uri": "https://fulcio.test",
                "certChain": {"certificates": [{"rawBytes": b64(c.public_bytes(serialization.Encoding.DER))}
                                               for c in (intermediate, root)]},
                "validFor": {"start": "2020-01-01T00:00:00Z"}}],
            "ctlogs": [log_entry(ct_key, "https://ctfe.test")],
            "timestampAuthorities": [],
        }, indent=2).encode("utf-8"),
    }
    for name, data in files.items():
        with open(os.path.join(directory, name), "wb") as handle:
            handle.write(data)


def _der_octet_string(data):
    if len(data) < 128:
        return b"\x04" + bytes([len(data)]) + data
    length = len(data).to_bytes((len(data).bit_length() + 7) // 8, "big")
    return b"\x04" + bytes([0x80 | len(length)]) + length + data


def _der_utf8(text):
    data = text.encode("utf-8")
    return b"\x0c" + bytes([len(data)]) + data


def _leaf_builder(key, issuer, subject, oidc_issuer, usage):
    san = x509.RFC822Name(subject) if "@" in subject and "://" not in subject else x509.UniformResourceIdentifier(subject)
    return (x509.CertificateBuilder().subject_name(x509.Name([])).issuer_name(issuer.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(SIGNED_AT).not_valid_after(SIGNED_AT + CERT_LIFETIME)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key()), critical=False)
            .add_extension(x509.SubjectAlternativeName([san]), critical=True)
            .add_extension(x509.UnrecognizedExtension(ISSUER_V1, oidc_issuer.encode("utf-8")), critical=False)
            .add_extension(x509.UnrecognizedExtension(ISSUER_V2, _der_utf8(oidc_issuer)), critical=False))


def issue_leaf(directory, subject, oidc_issuer, fault=None):
    """(leaf key, leaf certificate, chain PEM) as Fulcio issues them, with an embedded SCT."""
    issuer = x509.load_pem_x509_certificate(open(os.path.join(directory, "intermediate.pem"), "rb").read())
    issuer_key = load_key(os.path.join(directory, "intermediate.key"))
    chain = open(os.path.join(directory, "intermediate.pem"), "rb").read() + open(os.path.join(directory, "root.pem"), "rb").read()
    if fault == "untrusted-ca":
        other_key = new_key()
        issuer = ca_cert(u"untrusted intermediate", other_key, None, None, 0)
        issuer_key = other_key
        chain = der_pem(issuer)
    key = new_key()
    usage = ExtendedKeyUsageOID.CLIENT_AUTH if fault == "no-codesigning" else ExtendedKeyUsageOID.CODE_SIGNING
    builder = _leaf_builder(key, issuer, subject, oidc_issuer, usage)
    if fault != "no-sct":
        # The SCT signs the certificate as it is without the SCT list (RFC 6962 precertificate entry).
        precert = builder.sign(issuer_key, hashes.SHA256())
        ct_key = new_key() if fault == "bad-sct" else load_key(os.path.join(directory, "ctlog.key"))
        log_id = hashlib.sha256(spki(load_key(os.path.join(directory, "ctlog.key")).public_key())).digest()
        millis = int(SIGNED_AT.timestamp() * 1000) + 500
        tbs = precert.tbs_certificate_bytes
        signed = (struct.pack(">BBQH", 0, 0, millis, 1) + hashlib.sha256(spki(issuer.public_key())).digest()
                  + struct.pack(">I", len(tbs))[1:] + tbs + struct.pack(">H", 0))
        signature = ct_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        sct = (struct.pack(">B", 0) + log_id + struct.pack(">Q", millis) + struct.pack(">H", 0)
               + struct.pack(">BBH", 4, 3, len(signature)) + signature)
        sct_list = struct.pack(">H", len(sct) + 2) + struct.pack(">H", len(sct)) + sct
        builder = builder.add_extension(x509.UnrecognizedExtension(SCT_LIST_OID, _der_octet_string(sct_list)), critical=False)
    cert = builder.sign(issuer_key, hashes.SHA256())
    return key, cert, chain.decode("ascii")


def hashedrekord_body(payload, signature, cert):
    """What Rekor logs for a signed message: the payload's hash, the signature and the certificate."""
    return {"apiVersion": "0.0.1", "kind": "hashedrekord", "spec": {
        "data": {"hash": {"algorithm": "sha256", "value": hashlib.sha256(payload).hexdigest()}},
        "signature": {"content": b64(signature), "publicKey": {"content": b64(der_pem(cert))}}}}


def intoto_body(envelope, payload, cert):
    """What Rekor logs for cosign's attestations (intoto 0.0.1): the envelope's hash and the certificate."""
    return {"apiVersion": "0.0.1", "kind": "intoto", "spec": {
        "content": {"hash": {"algorithm": "sha256", "value": hashlib.sha256(envelope).hexdigest()},
                    "payloadHash": {"algorithm": "sha256", "value": hashlib.sha256(payload).hexdigest()}},
        "publicKey": b64(der_pem(cert))}}


def dsse_body(envelope, payload, signatures, cert):
    """What Rekor logs for a DSSE envelope in a sigstore bundle (dsse 0.0.1)."""
    return {"apiVersion": "0.0.1", "kind": "dsse", "spec": {
        "envelopeHash": {"algorithm": "sha256", "value": hashlib.sha256(envelope).hexdigest()},
        "payloadHash": {"algorithm": "sha256", "value": hashlib.sha256(payload).hexdigest()},
        "signatures": [{"signature": b64(signature), "verifier": b64(der_pem(cert))} for signature in signatures]}}


def _logged(directory, body, fault):
    """(the four fields a Rekor SET covers, the SET) of an entry holding ``body``."""
    integrated = SIGNED_AT + datetime.timedelta(seconds=2)
    if fault == "outside-validity":
        integrated = SIGNED_AT + CERT_LIFETIME + datetime.timedelta(hours=1)
    rekor_key = load_key(os.path.join(directory, "rekor.key"))
    fields = {"body": b64(json.dumps(body, separators=(",", ":")).encode("utf-8")),
              "integratedTime": int(integrated.timestamp()), "logIndex": 4242,
              "logID": hashlib.sha256(spki(rekor_key.public_key())).hexdigest()}
    signer = new_key() if fault == "other-rekor" else rekor_key
    entry_timestamp = signer.sign(json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8"),
                                  ec.ECDSA(hashes.SHA256()))
    if fault == "altered-set":
        entry_timestamp = entry_timestamp[:-2] + bytes([entry_timestamp[-2] ^ 1]) + entry_timestamp[-1:]
    return fields, entry_timestamp


def rekor_bundle(directory, body, fault=None):
    """cosign's ``dev.sigstore.cosign/bundle`` annotation: a Rekor entry and its SET."""
    fields, entry_timestamp = _logged(directory, body, fault)
    return json.dumps({"SignedEntryTimestamp": b64(entry_timestamp), "Payload": fields})


def _node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def tlog_entry(directory, body, fault=None):
    """A sigstore bundle's transparency log entry: the SET, and an inclusion proof in a tree of two
    leaves (this entry second) with a checkpoint the Rekor key signs, as a signed note."""
    fields, entry_timestamp = _logged(directory, body, fault)
    canonical = base64.b64decode(fields["body"])
    sibling = hashlib.sha256(b"\x00" + b"the entry before this one").digest()
    root_hash = _node(sibling, hashlib.sha256(b"\x00" + canonical).digest())
    signed_root = hashlib.sha256(b"another tree").digest() if fault == "bad-inclusion-proof" else root_hash
    rekor_key = load_key(os.path.join(directory, "rekor.key"))
    origin, name = "rekor.test - 1", "rekor.test"
    note = "%s\n2\n%s\n" % (origin, b64(signed_root))
    note_signature = rekor_key.sign(note.encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    hint = hashlib.sha256(spki(rekor_key.public_key())).digest()[:4]
    checkpoint = note + "\n\u2014 %s %s\n" % (name, b64(hint + note_signature))
    body_kind = json.loads(canonical)
    return {"logIndex": str(fields["logIndex"]), "logId": {"keyId": b64(bytes.fromhex(fields["logID"]))},
            "kindVersion": {"kind": body_kind["kind"], "version": body_kind["apiVersion"]},
            "integratedTime": str(fields["integratedTime"]),
            "inclusionPromise": {"signedEntryTimestamp": b64(entry_timestamp)},
            "inclusionProof": {"logIndex": "1", "rootHash": b64(root_hash), "treeSize": "2", "hashes": [b64(sibling)],
                               "checkpoint": {"envelope": checkpoint}},
            "canonicalizedBody": fields["body"]}


def simple_signing_payload(reference, digest):
    return json.dumps({"critical": {"identity": {"docker-reference": reference},
                                    "image": {"docker-manifest-digest": digest},
                                    "type": "cosign container image signature"},
                       "optional": None}, separators=(",", ":")).encode("utf-8")


def _other_digest(digest, fault):
    return "sha256:" + hashlib.sha256(digest.encode("ascii")).hexdigest() if fault == "other-digest" else digest


def keyless_layer(directory, reference, digest, subject, oidc_issuer, fault=None):
    """(payload, layer descriptor) of one legacy keyless signature (a ``.sig`` layer)."""
    payload = simple_signing_payload(reference, _other_digest(digest, fault))
    key, cert, chain = issue_leaf(directory, subject, oidc_issuer, fault)
    signature = key.sign(payload, ec.ECDSA(hashes.SHA256()))
    annotations = {
        "dev.cosignproject.cosign/signature": b64(signature),
        "dev.sigstore.cosign/certificate": der_pem(cert).decode("ascii"),
        "dev.sigstore.cosign/chain": chain,
        "dev.sigstore.cosign/bundle": rekor_bundle(directory, hashedrekord_body(payload, signature, cert), fault),
    }
    layer = {"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json", "size": len(payload),
             "digest": "sha256:" + hashlib.sha256(payload).hexdigest(), "annotations": dict(sorted(annotations.items()))}
    return payload, layer


def dsse_pae(payload_type, payload):
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def keyless_attestation_layer(directory, reference, digest, subject, oidc_issuer, predicate_type, fault=None):
    """(envelope, layer descriptor) of one legacy keyless attestation (an ``.att`` layer):
    an in-toto statement in a DSSE envelope, its Rekor entry of kind intoto, as cosign attest writes."""
    statement = json.dumps({"_type": "https://in-toto.io/Statement/v0.1", "predicateType": predicate_type,
                            "subject": [{"name": reference, "digest": {"sha256": _other_digest(digest, fault).split(":", 1)[1]}}],
                            "predicate": {"signed": "by a private Sigstore"}}, separators=(",", ":")).encode("utf-8")
    payload_type = "application/vnd.in-toto+json"
    key, cert, chain = issue_leaf(directory, subject, oidc_issuer, fault)
    signature = key.sign(dsse_pae(payload_type, statement), ec.ECDSA(hashes.SHA256()))
    envelope = json.dumps({"payloadType": payload_type, "payload": b64(statement),
                           "signatures": [{"keyid": "", "sig": b64(signature)}]}, separators=(",", ":")).encode("utf-8")
    annotations = {
        "dev.cosignproject.cosign/signature": "",
        "dev.sigstore.cosign/certificate": der_pem(cert).decode("ascii"),
        "dev.sigstore.cosign/chain": chain,
        "dev.sigstore.cosign/bundle": rekor_bundle(directory, intoto_body(envelope, statement, cert), fault),
        "predicateType": predicate_type,
    }
    layer = {"mediaType": "application/vnd.dsse.envelope.v1+json", "size": len(envelope),
             "digest": "sha256:" + hashlib.sha256(envelope).hexdigest(), "annotations": dict(sorted(annotations.items()))}
    return envelope, layer


COSIGN_SIGN_PREDICATE = "https://sigstore.dev/cosign/sign/v1"
BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"


def keyless_bundle(directory, reference, digest, subject, oidc_issuer, predicate_type=COSIGN_SIGN_PREDICATE, fault=None):
    """A sigstore bundle (v0.3) as cosign 3 attaches to an image: a DSSE-signed in-toto statement
    (cosign's sign predicate for a signature, any other for an attestation), the Fulcio
    certificate, and a Rekor entry (dsse 0.0.1) with its SET, inclusion proof and checkpoint."""
    statement = json.dumps({"_type": "https://in-toto.io/Statement/v1", "predicateType": predicate_type,
                            "subject": [{"name": reference, "digest": {"sha256": _other_digest(digest, fault).split(":", 1)[1]}}],
                            "predicate": {} if predicate_type == COSIGN_SIGN_PREDICATE else {"signed": "by a private Sigstore"}},
                           separators=(",", ":")).encode("utf-8")
    payload_type = "application/vnd.in-toto+json"
    key, cert, _chain = issue_leaf(directory, subject, oidc_issuer, fault)
    signature = key.sign(dsse_pae(payload_type, statement), ec.ECDSA(hashes.SHA256()))
    envelope = {"payload": b64(statement), "payloadType": payload_type, "signatures": [{"sig": b64(signature)}]}
    body = dsse_body(json.dumps(envelope, separators=(",", ":")).encode("utf-8"), statement, [signature], cert)
    return json.dumps({"mediaType": BUNDLE_MEDIA_TYPE,
                       "verificationMaterial": {"certificate": {"rawBytes": b64(cert.public_bytes(serialization.Encoding.DER))},
                                                "tlogEntries": [tlog_entry(directory, body, fault)]},
                       "dsseEnvelope": envelope}, separators=(",", ":")).encode("utf-8")


def session(ca_cert=None):
    """A requests session for the registry: Basic auth from REGISTRY_USERNAME / REGISTRY_PASSWORD
    when set (kept out of the command line), the CA file when given."""
    import requests  # pylint: disable=import-outside-toplevel

    client = requests.Session()
    if os.environ.get("REGISTRY_USERNAME"):
        client.auth = (os.environ["REGISTRY_USERNAME"], os.environ.get("REGISTRY_PASSWORD", ""))
    if ca_cert:
        client.verify = ca_cert
    return client


def _push_blob(client, registry, base, blob):
    blob_digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    started = client.post(base + "/blobs/uploads/", timeout=30)
    started.raise_for_status()
    location = started.headers["Location"]
    location = location if location.startswith("http") else registry.rstrip("/") + location
    separator = "&" if "?" in location else "?"
    client.put(location + separator + "digest=" + blob_digest, data=blob,
               headers={"Content-Type": "application/octet-stream"}, timeout=30).raise_for_status()
    return {"digest": blob_digest, "size": len(blob)}


def push_referrer(client, registry, repository, digest, bundle):
    """Attach the bundle to the image as an OCI 1.1 referrer, listed under the referrers tag
    schema's fallback tag (``sha256-<hex>``) as registries without the referrers API need."""
    base = registry.rstrip("/") + "/v2/" + repository
    image = client.head(base + "/manifests/" + digest, timeout=30, headers={"Accept": ", ".join(
        ["application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json",
         "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.docker.distribution.manifest.list.v2+json"])})
    image.raise_for_status()
    config = dict(_push_blob(client, registry, base, b"{}"), mediaType="application/vnd.oci.empty.v1+json")
    layer = dict(_push_blob(client, registry, base, bundle), mediaType=BUNDLE_MEDIA_TYPE)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "artifactType": BUNDLE_MEDIA_TYPE, "config": config, "layers": [layer],
                           "subject": {"mediaType": image.headers["Content-Type"], "digest": digest,
                                       "size": int(image.headers["Content-Length"])}},
                          separators=(",", ":")).encode("utf-8")
    manifest_digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
    oci_manifest = {"Content-Type": "application/vnd.oci.image.manifest.v1+json"}
    client.put(base + "/manifests/" + manifest_digest, data=manifest, headers=oci_manifest, timeout=30).raise_for_status()
    tag = digest.replace(":", "-")
    index_type = "application/vnd.oci.image.index.v1+json"
    answer = client.get(base + "/manifests/" + tag, headers={"Accept": index_type}, timeout=30)
    listed = answer.json()["manifests"] if answer.status_code == 200 else []
    listed.append({"mediaType": oci_manifest["Content-Type"], "digest": manifest_digest, "size": len(manifest),
                   "artifactType": BUNDLE_MEDIA_TYPE})
    index = json.dumps({"schemaVersion": 2, "mediaType": index_type, "manifests": listed}, separators=(",", ":")).encode("utf-8")
    client.put(base + "/manifests/" + tag, data=index, headers={"Content-Type": index_type}, timeout=30).raise_for_status()


def push_signature(client, registry, repository, digest, payload, layer, suffix="sig"):
    """Add the layer to the image's .sig (or .att) manifest on a registry without auth (client, plain HTTP)."""
    base = registry.rstrip("/") + "/v2/" + repository
    tag = digest.replace(":", "-") + "." + suffix
    answer = client.get(base + "/manifests/" + tag, headers={"Accept": "application/vnd.oci.image.manifest.v1+json"}, timeout=30)
    layers = answer.json()["layers"] if answer.status_code == 200 else []
    layers.append(layer)
    config = json.dumps({"architecture": "", "created": "0001-01-01T00:00:00Z", "history": [{"created": "0001-01-01T00:00:00Z"}] * len(layers),
                         "os": "", "rootfs": {"type": "layers", "diff_ids": [entry["digest"] for entry in layers]},
                         "config": {}}, separators=(",", ":")).encode("utf-8")
    for blob in (payload, config):
        _push_blob(client, registry, base, blob)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": len(config),
                                      "digest": "sha256:" + hashlib.sha256(config).hexdigest()},
                           "layers": layers}, separators=(",", ":")).encode("utf-8")
    client.put(base + "/manifests/" + tag, data=manifest,
               headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"}, timeout=30).raise_for_status()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init").add_argument("directory")
    for command in ("sign", "attest"):
        sign = commands.add_parser(command)
        sign.add_argument("directory")
        for name in ("--registry", "--repository", "--digest", "--reference", "--subject", "--issuer"):
            sign.add_argument(name, required=True)
        sign.add_argument("--fault", choices=sorted(FAULTS))
        if command == "attest":
            sign.add_argument("--predicate-type", required=True)
        sign.add_argument("--format", choices=["legacy", "bundle"], default="legacy")
        sign.add_argument("--ca-cert")
    args = parser.parse_args(argv)
    client = session(getattr(args, "ca_cert", None))
    if args.command == "init":
        init(args.directory)
    elif args.format == "bundle":
        bundle = keyless_bundle(args.directory, args.reference, args.digest, args.subject, args.issuer,
                                getattr(args, "predicate_type", None) or COSIGN_SIGN_PREDICATE, args.fault)
        push_referrer(client, args.registry, args.repository, args.digest, bundle)
    elif args.command == "sign":
        payload, layer = keyless_layer(args.directory, args.reference, args.digest, args.subject, args.issuer, args.fault)
        push_signature(client, args.registry, args.repository, args.digest, payload, layer)
    else:
        envelope, layer = keyless_attestation_layer(args.directory, args.reference, args.digest, args.subject, args.issuer,
                                                    args.predicate_type, args.fault)
        push_signature(client, args.registry, args.repository, args.digest, envelope, layer, "att")
    return 0


if __name__ == "__main__":
    sys.exit(main())
