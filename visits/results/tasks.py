"""Background work for results: held reports release themselves when their time comes."""

import datetime

from django.tasks import task

from visits.results.release import release_held_results


@task
def release_held_results_task() -> int:
    """Release every held report past its latest release time; returns how many.

    No argument is stored with the task (nothing clinical); a scheduler enqueues it, or runs
    the release_held_results command, every few minutes.
    """
    return release_held_results()


def schedule_release(release_by: datetime.datetime) -> None:
    """Queue the sweep for a held report's latest release time, where the task backend can defer
    work; elsewhere the release_held_results command, run by a scheduler, does it."""
    if release_held_results_task.get_backend().supports_defer:
        release_held_results_task.using(run_after=release_by).enqueue()
