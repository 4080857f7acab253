#!/usr/bin/env bash
# Build the collection as Galaxy would ship it, install it from the tarball into a scratch
# path, and render every module's documentation with ansible-doc from there: what a user who
# installs the release sees, not what the working tree holds. Then Galaxy's own checks.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${SR_BIN:-$here/build/venv/bin}
# Only the tarball counts: no other copy of the collection may be found instead.
unset ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin/ansible-galaxy" collection build "$here" --output-path "$work/dist" >/dev/null
tarball=$(find "$work/dist" -name "signed-registry-*.tar.gz")
"$bin/ansible-galaxy" collection install --force "$tarball" -p "$work/collections" >/dev/null 2>&1
export ANSIBLE_COLLECTIONS_PATH=$work/collections
modules=$("$bin/ansible-doc" -t module -l signed.registry | awk '{print $1}')
count=0
for module in $modules; do
    "$bin/ansible-doc" -t module "$module" >/dev/null
    count=$((count + 1))
done
expected=$(find "$here/plugins/modules" -maxdepth 1 -name "*.py" | wc -l)
if [ "$count" -ne "$expected" ]; then
    echo "ansible-doc listed $count modules from $(basename "$tarball"), the tree has $expected" >&2
    exit 1
fi
# The playbooks run by their names from the installed collection, with the example inventory.
for playbook in site audit; do
    "$bin/ansible-playbook" --syntax-check -i "$here/playbooks/inventory/example.yml" "signed.registry.$playbook" >/dev/null ||
        { echo "ansible-playbook signed.registry.$playbook does not pass --syntax-check from the installed collection"; exit 1; }
done
# What ansible-builder finds in the installed collection for an execution environment: every
# package of requirements.txt, and the system packages of bindep.txt.
builder=${SR_BUILDER:-$here/build/lint-venv/bin/ansible-builder}
introspected=$("$builder" introspect --sanitize "$work/collections")
while read -r requirement; do
    name=${requirement%%[<>=]*}
    grep -qi "^- '${name}[<>= ]" <<<"$introspected" ||
        { echo "ansible-builder introspect does not list $name from requirements.txt:"; echo "$introspected"; exit 1; }
done < <(grep -v '^#' "$here/requirements.txt" | grep .)
grep -q "libffi-dev" <<<"$introspected" ||
    { echo "ansible-builder introspect does not list bindep.txt's packages:"; echo "$introspected"; exit 1; }
# Galaxy's own checks, as a release would meet them: galaxy-importer on the tarball (it runs
# ansible-lint too), antsibull-docs on the installed collection, antsibull-changelog on the tree.
lint_bin=$(dirname "$builder")
imported=$(cd "$work" && PATH=$lint_bin:$PATH "$lint_bin/python" -m galaxy_importer.main "$tarball" 2>&1) ||
    { echo "galaxy-importer failed:"; echo "$imported"; exit 1; }
grep -q "Importer processing completed successfully" <<<"$imported" ||
    { echo "galaxy-importer did not complete:"; echo "$imported"; exit 1; }
if grep -E "^(ERROR|WARNING)" <<<"$imported" | grep -v "CryptographyDeprecationWarning"; then
    echo "galaxy-importer reported the lines above"; exit 1
fi
(cd "$work/collections/ansible_collections/signed/registry" &&
    PATH=$bin:$PATH "$lint_bin/antsibull-docs" lint-collection-docs --plugin-docs .) ||
    { echo "antsibull-docs lint-collection-docs failed"; exit 1; }
(cd "$here" && "$lint_bin/antsibull-changelog" lint) || { echo "antsibull-changelog lint failed"; exit 1; }
echo "built $(basename "$tarball") ($(du -h "$tarball" | cut -f1)), installed it, ansible-doc rendered $count modules, ansible-builder introspect lists its Python and system requirements, signed.registry.site and .audit pass --syntax-check; galaxy-importer, antsibull-docs lint and antsibull-changelog lint pass"
