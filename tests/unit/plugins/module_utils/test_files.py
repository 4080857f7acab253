# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files are replaced whole or not at all, with their permissions set before they appear."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput
from ansible_collections.signed.registry.plugins.module_utils._files import (
    path_or_content,
    read_bytes,
    replace_file,
    write_atomic,
)

WRITER = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from ansible_collections.signed.registry.plugins.module_utils._files import write_atomic
n = 0
while True:
    n += 1
    # Large enough that a write takes a while, so kills land in the middle of one.
    doc = {"default": [{"type": "reject"}], "transports": {"docker": {"r%d" % i: [{"type": "insecureAcceptAnything"}] for i in range(20000)}}, "n": n}
    write_atomic(sys.argv[2], json.dumps(doc).encode(), 0o644)
"""


def test_interrupted_writes_leave_the_old_or_the_new_file(tmp_path):
    target = tmp_path / "policy.json"
    target.write_text('{"default": [{"type": "reject"}], "n": 0}')
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..", "..", ".."))
    written = set()
    for attempt in range(12):
        writer = subprocess.Popen([sys.executable, "-c", WRITER, root, str(target)])
        time.sleep(0.05 + 0.03 * attempt)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        document = json.loads(target.read_text())
        assert document["default"] == [{"type": "reject"}]
        written.add(document["n"])
    # The writers did replace the file (the test is not passing on the untouched original).
    assert max(written) > 0
    leftovers = [p for p in os.listdir(str(tmp_path)) if p != "policy.json"]
    # A killed writer may leave its temporary file; never the target half-written.
    assert all(name.startswith(".policy.json.") for name in leftovers)


def test_write_atomic_sets_mode_before_the_file_appears(tmp_path):
    path = str(tmp_path / "cosign.key")
    write_atomic(path, b"secret", 0o600)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert read_bytes(path) == b"secret"


def test_replace_file_keeps_mode_and_follows_symlinks(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old")
    os.chmod(str(real), 0o640)
    link = tmp_path / "policy.json"
    os.symlink(str(real), str(link))
    replace_file(str(link), b"new")
    assert os.path.islink(str(link))
    assert real.read_text() == "new"
    assert stat.S_IMODE(os.stat(str(real)).st_mode) == 0o640


def test_read_bytes_of_a_missing_file_is_none(tmp_path):
    assert read_bytes(str(tmp_path / "nope")) is None


def test_path_or_content(tmp_path):
    pem = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
    assert path_or_content(pem, "key") == pem.encode()
    (tmp_path / "k.pub").write_text(pem)
    assert path_or_content(str(tmp_path / "k.pub"), "key") == pem.encode()
    with pytest.raises(InvalidInput, match="no file"):
        path_or_content(str(tmp_path / "missing.pub"), "key")


def test_path_or_content_never_echoes_text_that_is_no_path():
    with pytest.raises(InvalidInput, match=r"^key: no file '/etc/keys/missing.pub', and no PEM text"):
        path_or_content("/etc/keys/missing.pub", "key")
    # A key pasted without its PEM markers: several lines, not shown.
    with pytest.raises(InvalidInput) as raised:
        path_or_content("MHcCAQEEIBk\nsecretbody\n", "key")
    assert "secretbody" not in str(raised.value)
    assert "no file the value given" in str(raised.value)


def test_a_dangling_symlink_is_not_written_through(tmp_path):
    from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput
    from ansible_collections.signed.registry.plugins.module_utils._files import replace_file
    link = tmp_path / "policy.json"
    link.symlink_to(tmp_path / "elsewhere" / "policy.json")
    with pytest.raises(InvalidInput) as err:
        replace_file(str(link), b"{}")
    assert "does not exist: refusing to write through it" in str(err.value)
    assert not (tmp_path / "elsewhere").exists()


def test_a_symlink_in_a_directory_others_may_write_is_not_written_through(tmp_path):
    import os
    from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput
    from ansible_collections.signed.registry.plugins.module_utils._files import replace_file
    shared = tmp_path / "shared"
    shared.mkdir()
    target = tmp_path / "target.json"
    target.write_bytes(b"old")
    (shared / "policy.json").symlink_to(target)
    os.chmod(str(shared), 0o777)
    if os.stat(str(shared)).st_uid == 0:
        os.chown(str(shared), 65534, 65534)  # as root: a directory another user owns
    with pytest.raises(InvalidInput) as err:
        replace_file(str(shared / "policy.json"), b"new")
    assert "which other users may write to" in str(err.value)
    assert target.read_bytes() == b"old"
    # A link the host placed in a directory only its owner writes is followed, as before.
    os.chmod(str(shared), 0o755)
    replace_file(str(shared / "policy.json"), b"new")
    assert target.read_bytes() == b"new"
