# -*- coding: utf-8 -*-
# Copyright: (c) 2026, signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Many images in one task: their registry round trips overlap instead of adding up."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from concurrent.futures import ThreadPoolExecutor

WORKERS = 8


def parallel_map(func, items, workers=WORKERS):
    """``[func(item) for item in items]``, run on a few threads; results keep the input order and
    the first exception (in input order) is raised once all calls ended."""
    items = list(items)
    if len(items) <= 1 or workers <= 1:
        return [func(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(func, items))
