# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The errors every layer raises, so that the module wrapper reports them all the same way."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class SignedRegistryError(Exception):
    """An expected failure: its message is for the user, ``details`` are returned beside it."""

    def __init__(self, message, **details):
        super(SignedRegistryError, self).__init__(message)
        self.details = details


class InvalidInput(SignedRegistryError):
    """An option value that cannot work; raised before anything is written."""
