"""On-demand urgent care: a queue of patients to be seen now, taken by physicians on duty who
are licensed in the patient's state, never by two at once."""
