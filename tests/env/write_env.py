"""Write <state dir>/env.json and <state dir>/integration_config.yml for the tests.

Called by up.sh; standard library only. The YAML is written by hand (every string double-quoted
as JSON, which YAML reads the same way) so that no YAML library is needed here.
"""

import argparse
import json
import os


def yaml_scalar(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(str(value))


def to_yaml(data):
    lines = []
    for key, value in data.items():
        if isinstance(value, list):
            lines.append(f"{key}:")
            for item in value:
                prefix = "  - "
                for k, v in item.items():
                    lines.append(f"{prefix}{k}: {yaml_scalar(v)}")
                    prefix = "    "
        else:
            lines.append(f"{key}: {yaml_scalar(value)}")
    return "\n".join(lines) + "\n"


def write_atomic(path, text, mode):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    p.add_argument("--state-dir", required=True)
    p.add_argument("--seed-json", required=True)
    p.add_argument("--pulp-url", required=True)
    p.add_argument("--pulp-tls-url", required=True)
    p.add_argument("--pulp-token-url", required=True)
    p.add_argument("--content-origin", required=True)
    p.add_argument("--upstream-url", required=True)
    p.add_argument("--postgres", required=True, help="host:port")
    p.add_argument("--pulp-venv", required=True)
    p.add_argument("--versions", required=True, help="JSON object")
    p.add_argument("--signing-service", required=True, help="name of Pulp's container signing service")
    p.add_argument("--signing-key", required=True, help="its public key (ASCII-armored file)")
    p.add_argument("--signing-fingerprint", required=True)
    p.add_argument("--pid", action="append", default=[], help="NAME=PID")
    args = p.parse_args()

    state = os.path.abspath(args.state_dir)
    with open(os.path.join(state, "secrets", "admin_password")) as fh:
        password = fh.read().strip()
    with open(args.seed_json) as fh:
        seed = json.load(fh)
    upstream_registry = args.upstream_url.split("://", 1)[1].rstrip("/")
    # The real clients installed by tests/env/clients.sh.
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    tools_bin = os.path.join(os.environ.get("SR_TOOLS_DIR") or os.path.join(repo, "build", "tools"), "bin")

    env = {
        "state_dir": state,
        "pulp_url": args.pulp_url,
        "pulp_tls_url": args.pulp_tls_url,
        "pulp_token_url": args.pulp_token_url,
        "content_origin": args.content_origin,
        "username": "admin",
        "password": password,
        "ca_cert": os.path.join(state, "ca.pem"),
        "upstream_url": args.upstream_url,
        "upstream_registry": upstream_registry,
        "seed_public_key": seed["public_key"],
        "seed_private_key": seed["private_key"],
        "images": seed["images"],
        "postgres": args.postgres,
        "pulp_venv": args.pulp_venv,
        "versions": json.loads(args.versions),
        "logs_dir": os.path.join(state, "logs"),
        "pids": {name: int(pid) for name, pid in (x.split("=", 1) for x in args.pid)},
    }
    integration = {
        "pulp_url": env["pulp_url"],
        "pulp_username": env["username"],
        "pulp_password": env["password"],
        "pulp_tls_url": env["pulp_tls_url"],
        "pulp_token_url": env["pulp_token_url"],
        "pulp_ca_cert": env["ca_cert"],
        "pulp_content_origin": env["content_origin"],
        "upstream_url": env["upstream_url"],
        "upstream_registry": upstream_registry,
        "seed_public_key": env["seed_public_key"],
        "cosign_bin": os.path.join(tools_bin, "cosign"),
        "skopeo_bin": os.path.join(tools_bin, "skopeo"),
        # Test helpers shared with the unit tests (ansible-test copies only the target itself).
        "test_utils_dir": os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "utils"),
        "seed_images": env["images"],
        "pulp_signing_service": args.signing_service,
        "pulp_signing_key": args.signing_key,
        "pulp_signing_fingerprint": args.signing_fingerprint,
    }
    # Both files carry the admin password: owner-only.
    write_atomic(os.path.join(state, "env.json"), json.dumps(env, indent=2) + "\n", 0o600)
    header = "# Written by tests/env/up.sh; variables for ansible-test integration targets.\n"
    write_atomic(
        os.path.join(state, "integration_config.yml"), header + to_yaml(integration), 0o600
    )


if __name__ == "__main__":
    main()
