"""Background work for results: held reports release themselves when their time comes."""

from django.tasks import task

from visits.results.release import release_held_results


@task
def release_held_results_task() -> int:
    """Release every held report past its latest release time; returns how many.

    No argument is stored with the task (nothing clinical); a scheduler enqueues it, or runs
    the release_held_results command, every few minutes.
    """
    return release_held_results()
