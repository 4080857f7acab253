"""Let `ansible-test --venv` bootstrap pip without its download host.

ansible-test fetches a get-pip script from a CI host this network cannot reach, but first looks
for it in ~/.ansible/test/cache/. The script placed there does the same job from PyPI:
ensurepip, then the pinned pip and packages ansible-test asks for.
"""

import os
import re
import sys

import ansible_test

SCRIPT = '''import subprocess, sys
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
subprocess.check_call([sys.executable, "-m", "pip", "install", "--upgrade"] + args)
'''


def main():
    source = os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")
    with open(source) as handle:
        match = re.search(r"pip='([0-9.]+)'", handle.read())
    if not match:
        sys.exit("cannot find the pip version ansible-test pins in %s" % source)
    cache = os.path.expanduser("~/.ansible/test/cache")
    os.makedirs(cache, exist_ok=True)
    path = os.path.join(cache, "get_pip_%s.py" % match.group(1).replace(".", "_"))
    with open(path, "w") as handle:
        handle.write(SCRIPT)
    print(path)


if __name__ == "__main__":
    main()
