# -*- coding: utf-8 -*-
# Copyright: signed.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark helper: writes each task's wall time to the JSON file named by SR_TASK_TIMES.

A task's time runs from its start to its last host result, so it holds the module run (start-up,
imports, the work) and nothing of ansible-playbook's own start-up or of other tasks.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = """
name: task_times
type: aggregate
short_description: Writes each task's wall time to a JSON file (benchmarks only)
description: "Writes a JSON object of task names and seconds to the file named by the environment variable E(SR_TASK_TIMES)."
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_times"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self._started = {}
        self._times = {}

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._started[task.get_name()] = time.perf_counter()

    def _ended(self, result, *args, **kwargs):
        name = result._task.get_name()
        if name in self._started:
            self._times[name] = time.perf_counter() - self._started[name]

    v2_runner_on_ok = v2_runner_on_failed = v2_runner_on_skipped = _ended

    def v2_playbook_on_stats(self, stats):
        target = os.environ.get("SR_TASK_TIMES")
        if target:
            with open(target, "w") as handle:
                json.dump(self._times, handle)
