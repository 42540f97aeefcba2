"""Background work for the on-demand queue: the sweep, for the worker or a scheduler."""

from django.tasks import task

from visits.ondemand.services import queue_sweep


@task
def sweep_on_demand_queue() -> dict:
    """Remove idle patients and give back those whose physician did not join; no arguments,
    nothing about any patient in the result."""
    swept = queue_sweep()
    return {"removed": swept.removed, "returned": swept.returned}
