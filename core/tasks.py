"""Helpers for the tasks of every app: bounded retries."""

import logging
from datetime import timedelta

from django.utils import timezone

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# Seconds before the 2nd and 3rd attempt, where the task backend can wait (the
# database backend); the immediate backend tries again at once.
RETRY_DELAYS = (60, 600)


def retry_later(task, attempt, **kwargs):
    """Enqueue `task` again with `attempt` + 1 after a pause, up to MAX_ATTEMPTS.

    Returns True if it was enqueued, False when the attempts are used up.
    """
    if attempt >= MAX_ATTEMPTS:
        return False
    delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
    if task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + timedelta(seconds=delay))
    task.enqueue(attempt=attempt + 1, **kwargs)
    return True
