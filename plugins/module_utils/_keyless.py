# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Keyless signatures: a short-lived Fulcio certificate names who signed (an e-mail or a workflow
URI, and the OIDC issuer), and a Rekor entry proves when. Offline, against a trusted root.

Here: who a certificate names (``certificate_facts``), the identity rules users write
(``check_identities``, ``matching_identity``; regexps match the whole value), and the check of a
cosign legacy ``.sig`` layer's material (``verify_legacy``): the Rekor SET, the Rekor body against
this signature, certificate and payload, the chain to a Fulcio CA at the integrated time, the SCT,
key usage, and the signature itself. (sigstore-python needs an inclusion proof, which the legacy
format does not carry: this part is ours.)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import calendar
import datetime
import hashlib
import json
import re
import struct

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier
except ImportError:  # pragma: no cover - the module reports cryptography missing before this is used
    ObjectIdentifier = str  # pylint: disable=invalid-name

try:
    from cryptography.x509.verification import Criticality, ExtensionPolicy, PolicyBuilder, Store, VerificationError
    HAS_PATH_VALIDATION = True
except ImportError:  # pragma: no cover - cryptography < 45
    HAS_PATH_VALIDATION = False

from ansible_collections.signed.registry.plugins.module_utils._cosign import verify
from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput

CERTIFICATE_ANNOTATION = "dev.sigstore.cosign/certificate"
CHAIN_ANNOTATION = "dev.sigstore.cosign/chain"
REKOR_BUNDLE_ANNOTATION = "dev.sigstore.cosign/bundle"
MAX_MATERIAL_SIZE = 64 * 1024

# Fulcio's certificate extensions (github.com/sigstore/fulcio docs/oid-info.md).
FULCIO = "1.3.6.1.4.1.57264.1."
ISSUER_V1 = ObjectIdentifier(FULCIO + "1")
ISSUER_V2 = ObjectIdentifier(FULCIO + "8")
OTHERNAME_USERNAME = ObjectIdentifier(FULCIO + "7")
# cosign's --certificate-github-workflow-* flags read these (raw-string, v1) extensions.
GITHUB_PINS = {
    "github_workflow_trigger": ObjectIdentifier(FULCIO + "2"),
    "github_workflow_sha": ObjectIdentifier(FULCIO + "3"),
    "github_workflow_name": ObjectIdentifier(FULCIO + "4"),
    "github_workflow_repository": ObjectIdentifier(FULCIO + "5"),
    "github_workflow_ref": ObjectIdentifier(FULCIO + "6"),
}

IDENTITY_SPEC = dict(
    issuer=dict(type="str"),
    issuer_regexp=dict(type="str"),
    subject=dict(type="str"),
    subject_regexp=dict(type="str"),
    **dict((name, dict(type="str")) for name in sorted(GITHUB_PINS))
)


class KeylessError(Exception):
    """A keyless signature that is not accepted; the message is the reason."""


# -- identity rules ---------------------------------------------------------------------------


def check_identities(identities, option="identities"):
    """The rules as given, checked: exactly one of each pair, regexps compiled (to match whole values)."""
    checked = []
    for index, entry in enumerate(identities or []):
        what = "%s[%d]" % (option, index)
        rule = dict((k, v) for k, v in (entry or {}).items() if v is not None)
        for name in ("issuer", "subject"):
            if (name in rule) == (name + "_regexp" in rule):
                raise InvalidInput("%s needs exactly one of %s and %s_regexp" % (what, name, name))
            if name + "_regexp" in rule:
                try:
                    rule[name + "_regexp"] = re.compile(rule[name + "_regexp"])
                except re.error as exc:
                    raise InvalidInput("%s.%s_regexp is not a valid regular expression: %s" % (what, name, exc))
        unknown = set(rule) - set(IDENTITY_SPEC)
        if unknown:
            raise InvalidInput("%s has unknown keys: %s" % (what, ", ".join(sorted(unknown))))
        checked.append(rule)
    return checked


def shown(rule):
    """A rule as results show it (regexps as their pattern)."""
    return dict((k, v.pattern if hasattr(v, "pattern") else v) for k, v in sorted(rule.items()))


def _matches(rule, name, value):
    if name in rule:
        return value == rule[name]
    return value is not None and rule[name + "_regexp"].fullmatch(value) is not None


def matching_identity(rules, facts):
    """(index of the first rule the certificate's facts satisfy, None) or (None, reason)."""
    for index, rule in enumerate(rules):
        if not _matches(rule, "issuer", facts["issuer"]):
            continue
        if not any(_matches(rule, "subject", subject) for subject in facts["subjects"]):
            continue
        if all(facts["github"].get(pin) == rule[pin] for pin in GITHUB_PINS if pin in rule):
            return index, None
    return None, "the certificate names %s (issuer %s), which no entry of identities accepts" % (
        " / ".join(facts["subjects"]) or "no subject", facts["issuer"])


# -- what a certificate says ------------------------------------------------------------------


def _der_utf8(data):
    """The text of a DER UTF8String (Fulcio's v2 extensions)."""
    if len(data) < 2 or data[0] != 0x0C:
        return None
    length, offset = data[1], 2
    if length & 0x80:
        count = length & 0x7F
        length, offset = int.from_bytes(data[2:2 + count], "big"), 2 + count
    return data[offset:offset + length].decode("utf-8", "replace")


def _extension(cert, oid):
    try:
        return cert.extensions.get_extension_for_oid(oid).value.value
    except x509.ExtensionNotFound:
        return None


def certificate_facts(cert):
    """Who the certificate names: its SAN values, the OIDC issuer, GitHub workflow facts."""
    subjects = []
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        subjects += names.get_values_for_type(x509.RFC822Name)
        subjects += names.get_values_for_type(x509.UniformResourceIdentifier)
        for other in names.get_values_for_type(x509.OtherName):
            if other.type_id == OTHERNAME_USERNAME:
                subjects.append(_der_utf8(other.value) or "")
    except x509.ExtensionNotFound:
        pass
    issuer = _extension(cert, ISSUER_V2)
    issuer = _der_utf8(issuer) if issuer is not None else _extension(cert, ISSUER_V1)
    if isinstance(issuer, bytes):
        issuer = issuer.decode("utf-8", "replace")
    github = {}
    for name, oid in GITHUB_PINS.items():
        value = _extension(cert, oid)
        if value is not None:
            github[name] = value.decode("utf-8", "replace")
    return {"subjects": subjects, "issuer": issuer, "github": github,
            "not_before": _utc(cert, "not_valid_before"), "not_after": _utc(cert, "not_valid_after")}


def _utc(cert, name):
    value = getattr(cert, name + "_utc", None)
    return value if value is not None else getattr(cert, name).replace(tzinfo=datetime.timezone.utc)


def _stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- the legacy .sig layer's material ---------------------------------------------------------


def load_pem_certificates(text, what):
    try:
        return x509.load_pem_x509_certificates(text.encode("utf-8") if isinstance(text, str) else text)
    except ValueError as exc:
        raise KeylessError("the %s is not PEM certificates: %s" % (what, exc))


def rekor_bundle(text):
    """The Rekor bundle annotation: (SET bytes, payload dict) with its four fields checked."""
    try:
        bundle = json.loads(text)
        payload = bundle["Payload"]
        fields = {"body": payload["body"], "integratedTime": payload["integratedTime"],
                  "logIndex": payload["logIndex"], "logID": payload["logID"]}
        if not (isinstance(fields["body"], str) and isinstance(fields["logID"], str)
                and all(isinstance(fields[k], int) and not isinstance(fields[k], bool) and fields[k] >= 0
                        for k in ("integratedTime", "logIndex"))):
            raise ValueError
        return base64.b64decode(bundle["SignedEntryTimestamp"], validate=True), fields
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise KeylessError("the Rekor bundle annotation is malformed")


def canonical_json(value):
    """RFC 8785 for what a Rekor SET covers (ASCII strings and integers): sorted keys, no spaces."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _same_signer(logged_pem, signer):
    """Whether the PEM a Rekor entry logged is ``signer`` (a certificate, or a managed public key)."""
    if isinstance(signer, x509.Certificate):
        return x509.load_pem_x509_certificate(logged_pem) == signer
    logged = serialization.load_pem_public_key(logged_pem)
    return (logged.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
            == signer.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))


def _logged(spec, kind):
    """(hash dict of what was logged, PEMs of who signed, signature bytes or None) of a Rekor body."""
    if kind == ("hashedrekord", "0.0.1"):
        return (spec["data"]["hash"], [spec["signature"]["publicKey"]["content"]],
                base64.b64decode(spec["signature"]["content"], validate=True))
    if kind == ("intoto", "0.0.1"):
        return spec["content"]["hash"], [spec["publicKey"]], None
    if kind == ("intoto", "0.0.2"):
        return spec["content"]["hash"], [s["publicKey"] for s in spec["content"]["envelope"]["signatures"]], None
    if kind == ("dsse", "0.0.1"):
        return spec["envelopeHash"], [s["verifier"] for s in spec["signatures"]], None
    raise KeylessError("the Rekor entry is of kind %s %s, which is not read" % kind)


# What a Rekor entry may be, by what was signed: a bare payload (hashedrekord) or a DSSE envelope.
MESSAGE_KINDS = (("hashedrekord", "0.0.1"),)
ENVELOPE_KINDS = (("intoto", "0.0.1"), ("intoto", "0.0.2"), ("dsse", "0.0.1"))


def check_rekor_body(fields, logged, signature, signer, kinds=MESSAGE_KINDS):
    """The log entry must be about this very signature, signer and payload (CVE-2022-36056).

    ``logged`` is what the entry hashes: the payload of a signature, the whole envelope of an
    attestation (whose hash then covers its signatures too).
    """
    try:
        body = json.loads(base64.b64decode(fields["body"], validate=True))
        kind = (body["kind"], body["apiVersion"])
        spec = body["spec"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise KeylessError("the Rekor entry body is malformed")
    if kind not in kinds:
        raise KeylessError("the Rekor entry is of kind %s %s; %s is expected here"
                           % (kind + (" or ".join("%s %s" % k for k in kinds),)))
    try:
        digest, signers, logged_signature = _logged(spec, kind)
        same = bool(signers) and all(_same_signer(base64.b64decode(pem, validate=True), signer) for pem in signers)
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        raise KeylessError("the Rekor entry body does not name a signature and its signer")
    if not isinstance(digest, dict) or digest.get("algorithm") != "sha256" or digest.get("value") != hashlib.sha256(logged).hexdigest():
        raise KeylessError("the Rekor entry is for another %s" % ("payload" if kinds == MESSAGE_KINDS else "envelope"))
    if logged_signature is not None and logged_signature != signature:
        raise KeylessError("the Rekor entry is for another signature")
    if not same:
        raise KeylessError("the Rekor entry is for another %s" % ("certificate" if isinstance(signer, x509.Certificate) else "key"))


def verify_chain(root, cert, chain, moment):
    """The verified chain (leaf first) to a Fulcio CA of the root valid at ``moment``."""
    if not HAS_PATH_VALIDATION:
        raise KeylessError("keyless verification needs cryptography >= 45 (X.509 path validation)")
    authorities = root.fulcio_at(moment)
    if not authorities:
        raise KeylessError("the trusted root has no Fulcio CA valid at %s" % _stamp(moment))
    # Fulcio's leaves carry codeSigning, not the clientAuth a web PKI client verifier asks for;
    # EKU is checked below instead, every other default stays.
    ca_policy = ExtensionPolicy.webpki_defaults_ca().may_be_present(x509.ExtendedKeyUsage, Criticality.NON_CRITICAL, None)
    ee_policy = ExtensionPolicy.webpki_defaults_ee().may_be_present(x509.ExtendedKeyUsage, Criticality.NON_CRITICAL, None)
    verifier = (PolicyBuilder().store(Store([ca.root for ca in authorities])).time(moment)
                .extension_policies(ca_policy=ca_policy, ee_policy=ee_policy).build_client_verifier())
    intermediates = list(chain) + [c for ca in authorities for c in ca.intermediates]
    try:
        return verifier.verify(cert, intermediates).chain
    except (VerificationError, x509.UnsupportedGeneralNameType, ValueError) as exc:
        raise KeylessError("the certificate does not chain to a Fulcio CA of the trusted root at %s: %s"
                           % (_stamp(moment), exc))


def _sct_millis(sct):
    stamp = sct.timestamp
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return calendar.timegm(stamp.utctimetuple()) * 1000 + stamp.microsecond // 1000


def verify_sct(root, cert, issuer):
    """At least one embedded SCT verifies with a CT log key of the root (RFC 6962 precert entry)."""
    try:
        scts = cert.extensions.get_extension_for_class(x509.PrecertificateSignedCertificateTimestamps).value
    except x509.ExtensionNotFound:
        raise KeylessError("the certificate has no embedded SCT")
    issuer_key_hash = hashlib.sha256(issuer.public_key().public_bytes(
        encoding=serialization.Encoding.DER, format=serialization.PublicFormat.SubjectPublicKeyInfo)).digest()
    tbs = cert.tbs_precertificate_bytes
    problems = []
    for sct in scts:
        millis = _sct_millis(sct)
        moment = datetime.datetime.fromtimestamp(millis / 1000.0, datetime.timezone.utc)
        log = root.log_key(root.ctlogs, sct.log_id, moment)
        if log is None:
            problems.append("an SCT from a CT log the trusted root does not hold")
            continue
        signed = (struct.pack(">BBQH", 0, 0, millis, 1) + issuer_key_hash
                  + struct.pack(">I", len(tbs))[1:] + tbs + struct.pack(">H", len(sct.extension_bytes)) + sct.extension_bytes)
        try:
            if isinstance(log.key, ec.EllipticCurvePublicKey):
                log.key.verify(sct.signature, signed, ec.ECDSA(sct.signature_hash_algorithm or hashes.SHA256()))
            else:
                log.key.verify(sct.signature, signed)
            return
        except Exception:  # pylint: disable=broad-except
            problems.append("an SCT whose signature does not verify with its CT log key")
    raise KeylessError("no valid SCT: " + "; ".join(problems or ["none"]))


def check_usage(cert):
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        purposes = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        raise KeylessError("the certificate has no key usage or extended key usage")
    if not usage.digital_signature or ExtendedKeyUsageOID.CODE_SIGNING not in purposes:
        raise KeylessError("the certificate is not for code signing (digitalSignature and codeSigning)")


def leaf_certificate(annotations):
    """The one certificate of a legacy layer's certificate annotation (size-checked with its chain)."""
    text = annotations.get(CERTIFICATE_ANNOTATION)
    if len(text or "") > MAX_MATERIAL_SIZE or len(annotations.get(CHAIN_ANNOTATION) or "") > MAX_MATERIAL_SIZE:
        raise KeylessError("the certificate annotations are larger than %d bytes" % MAX_MATERIAL_SIZE)
    certs = load_pem_certificates(text, "certificate annotation")
    if len(certs) != 1:
        raise KeylessError("the certificate annotation holds %d certificates, not one" % len(certs))
    return certs[0]


def verify_legacy(root, annotations, payload, signature, signed=None):
    """Judge a legacy keyless signature; its facts (who, when, log index) when it verifies.

    ``payload`` is the layer's content. A ``.sig`` layer's signature covers it; an ``.att``
    layer holds a DSSE envelope: ``signed`` is then its pre-authentication encoding, which the
    signature covers, and the Rekor entry logs the envelope.
    """
    cert = leaf_certificate(annotations)
    chain = load_pem_certificates(annotations[CHAIN_ANNOTATION], "chain annotation") if annotations.get(CHAIN_ANNOTATION) else []
    if not annotations.get(REKOR_BUNDLE_ANNOTATION):
        raise KeylessError("the signature has no Rekor bundle: nothing proves when the certificate signed")
    set_signature, fields = rekor_bundle(annotations[REKOR_BUNDLE_ANNOTATION])
    moment = datetime.datetime.fromtimestamp(fields["integratedTime"], datetime.timezone.utc)
    try:
        log_id = binascii.unhexlify(fields["logID"])
    except (binascii.Error, ValueError):
        raise KeylessError("the Rekor bundle's logID is not hex")
    log = root.log_key(root.tlogs, log_id, moment)
    if log is None:
        raise KeylessError("the Rekor entry is from log %s, which the trusted root does not hold for %s"
                           % (fields["logID"], _stamp(moment)))
    if not verify(log.key, canonical_json(fields), set_signature):
        raise KeylessError("the Rekor SET does not verify with the key of log %s" % fields["logID"])
    check_rekor_body(fields, payload, signature, cert, MESSAGE_KINDS if signed is None else ENVELOPE_KINDS)
    facts = certificate_facts(cert)
    if not facts["not_before"] <= moment <= facts["not_after"]:
        raise KeylessError("the Rekor entry was integrated at %s, outside the certificate's validity (%s to %s)"
                           % (_stamp(moment), _stamp(facts["not_before"]), _stamp(facts["not_after"])))
    verified = verify_chain(root, cert, chain, moment)
    verify_sct(root, cert, verified[1])
    check_usage(cert)
    if not verify(cert.public_key(), payload if signed is None else signed, signature):
        raise KeylessError("the signature does not verify with the certificate's key")
    facts.update(integrated_time=_stamp(moment), log_index=fields["logIndex"])
    return facts


def described(facts, integrated_time=None, log_index=None):
    """What unverified keyless material claims, as image_signatures_info shows it."""
    shown_facts = {"subjects": facts["subjects"], "issuer": facts["issuer"], "log_index": log_index,
                   "integrated_time": _stamp(datetime.datetime.fromtimestamp(integrated_time, datetime.timezone.utc))
                   if integrated_time is not None else None}
    if facts["github"]:
        shown_facts["github"] = facts["github"]
    return shown_facts


def describe_material(annotations):
    """What a legacy layer's keyless material says, unverified (image_signatures_info): None when
    the layer has no certificate."""
    if not annotations.get(CERTIFICATE_ANNOTATION):
        return None
    try:
        facts = certificate_facts(leaf_certificate(annotations))
    except KeylessError as exc:
        return {"problem": str(exc)}
    try:
        _set, fields = rekor_bundle(annotations.get(REKOR_BUNDLE_ANNOTATION) or "")
    except KeylessError:
        return described(facts)
    return described(facts, fields["integratedTime"], fields["logIndex"])
