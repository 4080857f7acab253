# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Files written so that a reader never sees half of one and a secret is never readable by others."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat
import tempfile

from ansible_collections.signed.registry.plugins.module_utils._errors import InvalidInput


def read_bytes(path):
    """The file's bytes, or None when it does not exist."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        if getattr(exc, "errno", None) == 2:
            return None
        raise


def write_atomic(path, data, mode=0o600, owner=None):
    """Replace ``path`` with ``data`` in one rename; the old file stays if anything fails.

    The temporary file is created with ``mode`` (and ``owner``, a (uid, gid) pair) already set,
    in the same directory, so a secret is never on disk with wider permissions or another owner,
    and the rename cannot cross file systems.
    """
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=directory)
    try:
        os.fchmod(fd, mode)
        if owner is not None and owner != (os.geteuid(), os.getegid()):
            os.fchown(fd, *owner)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.rename(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:  # pragma: no cover - some file systems cannot sync a directory
        pass


def check_link(path):
    """Refuse a symbolic link that points nowhere, or that sits in a directory other users may
    write to and root does not own; called before anything is decided, and again before writing."""
    if not os.path.islink(path):
        return
    directory = os.path.dirname(os.path.abspath(path))
    info = os.stat(directory)
    if info.st_mode & stat.S_IWOTH and info.st_uid != 0:
        raise InvalidInput("%s is a symbolic link in %s, which other users may write to: refusing to "
                           "write through it" % (path, directory))
    if not os.path.exists(path):
        raise InvalidInput("%s is a symbolic link to %s, which does not exist: refusing to write "
                           "through it" % (path, os.readlink(path)))


def replace_file(path, data, default_mode=0o644):
    """Write a configuration file in one rename, keeping the mode and owner it had.

    Through a symlink rather than over it: the link is how the host chose to place the file. But
    not through a link that points nowhere, or that sits in a directory other users may write to
    and root does not own: whoever can plant such a link chooses what the write replaces.
    """
    check_link(path)
    target = os.path.realpath(path)
    mode, owner = default_mode, None
    if os.path.exists(target):
        info = os.stat(target)
        mode, owner = stat.S_IMODE(info.st_mode), (info.st_uid, info.st_gid)
        if os.geteuid() != 0:
            owner = None
    write_atomic(target, data, mode, owner)


def path_or_content(value, what):
    """PEM text given inline, or the bytes of the file it names."""
    if "-----BEGIN " in value:
        return value.encode("utf-8")
    data = read_bytes(value)
    if data is None:
        # Text that is no path (a key without its PEM markers) is not echoed back.
        shown = "%r" % value if len(value) <= 256 and "\n" not in value else "the value given"
        raise InvalidInput("%s: no file %s, and no PEM text either (give a path or the PEM text itself)" % (what, shown))
    return data
