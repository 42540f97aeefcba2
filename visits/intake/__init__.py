"""The intake: a patient's standing record, filled in step by step, versioned once complete."""
