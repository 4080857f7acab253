#!/usr/bin/env bash
# Atomic (GPG simple-signing) signatures for the Debian 12 scenario, made at prepare time with
# throwaway keys: copies upstream/app:1 of the scenario's registry to
#   gpg/signed:1    signed with the trusted key
#   gpg/other:1     signed with another key
#   gpg/unsigned:1  not signed
# The plain docker-registry has no signatures extension API, so skopeo writes the signatures to a
# lookaside store, DIR/lookaside, which verify copies into the container (file://).
# DIR/gpg/trusted.asc is the public key converge gives the role. Keys and signatures are made
# anew on each run.
#
#   gpg_seed.sh SKOPEO REGISTRY(host:port) DIR
set -euo pipefail
skopeo=$1 registry=$2 dir=$3
rm -rf "$dir/gpg" "$dir/lookaside"
mkdir -p "$dir/gpg/home" "$dir/lookaside"
chmod 700 "$dir/gpg/home"
export GNUPGHOME="$dir/gpg/home"
cat >"$dir/gpg/registries.yaml" <<YAML
docker:
  $registry/gpg:
    lookaside-staging: file://$dir/lookaside
YAML
mkdir -p "$dir/gpg/registries.d"
mv "$dir/gpg/registries.yaml" "$dir/gpg/registries.d/gpg.yaml"
echo '{"default": [{"type": "insecureAcceptAnything"}]}' >"$dir/gpg/accept.json"
for name in trusted other; do
    gpg --batch --quiet --passphrase '' --quick-gen-key "sigstore_client test $name <$name@test.invalid>" ed25519 sign never
    gpg --batch --armor --export "$name@test.invalid" >"$dir/gpg/$name.asc"
done
copy() {
    "$skopeo" --policy "$dir/gpg/accept.json" --registries.d "$dir/gpg/registries.d" copy --quiet \
        --src-tls-verify=false --dest-tls-verify=false "$@"
}
copy --sign-by trusted@test.invalid "docker://$registry/upstream/app:1" "docker://$registry/gpg/signed:1"
copy --sign-by other@test.invalid "docker://$registry/upstream/app:1" "docker://$registry/gpg/other:1"
copy "docker://$registry/upstream/app:1" "docker://$registry/gpg/unsigned:1"
# The private keys are of no further use.
rm -rf "$dir/gpg/home"
find "$dir/lookaside" -type f | sort
