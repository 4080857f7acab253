#!/bin/sh
# Pulp's container signing service (container:ManifestSigningService). Pulp runs this with the
# manifest file as $1 and REFERENCE (registry/path:tag the signature names), SIG_PATH (where to
# write it) and PULP_SIGNING_KEY_FINGERPRINT in the environment, and reads back one JSON object.
# skopeo writes an atomic (simple signing) signature with gpg from $GNUPGHOME: the format
# containers/image's signedBy policy and the signatures extension API expect.
set -eu
manifest=${1:?usage: $0 MANIFEST_FILE (REFERENCE, SIG_PATH, PULP_SIGNING_KEY_FINGERPRINT in the environment)}
: "${REFERENCE:?REFERENCE is not set}" "${SIG_PATH:?SIG_PATH is not set}"
: "${PULP_SIGNING_KEY_FINGERPRINT:?PULP_SIGNING_KEY_FINGERPRINT is not set}"
# skopeo's own output would break the JSON Pulp parses from stdout.
skopeo standalone-sign --output "$SIG_PATH" "$manifest" "$REFERENCE" "$PULP_SIGNING_KEY_FINGERPRINT" >&2
printf '{"signature_path": "%s"}\n' "$SIG_PATH"
