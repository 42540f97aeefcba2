"""A lab report as its patient reads it: its state, its values in words and the order it answers."""

import datetime
from dataclasses import dataclass, field

from visits.records.models import LabOrder
from visits.results.descriptions import description_of
from visits.results.display import flag_label, flag_symbol, flag_words, range_words
from visits.results.models import LabReport, Observation, ResultStatus


class ReportState:
    """What the patient is told of a report: its values, or why not yet."""

    RELEASED = "released"
    PENDING_REVIEW = "pending_review"
    WAITING = "waiting"


@dataclass
class ShownObservation:
    """One current value as the patient reads it, with the earlier values it corrected."""

    observation: Observation
    corrected: list[Observation] = field(default_factory=list)
    trend_anchor: str = ""

    @property
    def value(self) -> str:
        return self.observation.display_value

    @property
    def range(self) -> str:
        o = self.observation
        return range_words(o.reference_low, o.reference_high, o.reference_text, o.unit)

    @property
    def flag_words(self) -> str:
        return flag_words(self.observation.flag)

    @property
    def flag_symbol(self) -> str:
        return flag_symbol(self.observation.flag)

    @property
    def flag_label(self) -> str:
        return flag_label(self.observation.flag)

    @property
    def is_flagged(self) -> bool:
        return bool(self.flag_symbol)

    @property
    def description(self) -> str:
        return description_of(self.observation.loinc_code)

    @property
    def is_correction(self) -> bool:
        return bool(self.corrected) or self.observation.status == ResultStatus.CORRECTED


@dataclass
class ShownReport:
    """A report as the patient reads it: values when released, else what it is waiting for."""

    report: LabReport
    state: str
    observations: list[ShownObservation] = field(default_factory=list)
    # Values of this report that a later report corrected (observation, the correcting report).
    replaced: list[tuple[Observation, int]] = field(default_factory=list)

    @property
    def is_released(self) -> bool:
        return self.state == ReportState.RELEASED

    @property
    def is_new(self) -> bool:
        return self.is_released and self.report.first_opened_at is None

    @property
    def release_by(self) -> datetime.datetime | None:
        return self.report.release_by if self.state == ReportState.PENDING_REVIEW else None

    @property
    def when(self) -> datetime.datetime:
        return self.report.collected_at or self.report.received_at

    @property
    def flagged_count(self) -> int:
        return sum(1 for shown in self.observations if shown.is_flagged)

    @property
    def has_correction(self) -> bool:
        return bool(self.replaced) or any(shown.is_correction for shown in self.observations)

    @property
    def description(self) -> str:
        return description_of(self.report.loinc_code)


@dataclass
class ReportGroup:
    """The reports that came back for one lab order (or, without an order, on their own)."""

    order: LabOrder | None
    reports: list[ShownReport]

    @property
    def anchor(self) -> str:
        return f"order-{self.order.pk}" if self.order else "results-without-order"


def state_of(report: LabReport) -> str:
    """Whether the patient reads the report's values, waits for a review, or for the lab."""
    return _state(getattr(report, "values_visible", False), report.held_at, report.release_by)


def state_of_row(row: dict) -> str:
    """state_of() for a report read as a row of values."""
    return _state(row.get("values_visible", False), row["held_at"], row["release_by"])


def _state(values_visible: bool, held_at, release_by) -> str:
    if values_visible:
        return ReportState.RELEASED
    if held_at is not None or release_by is not None:
        return ReportState.PENDING_REVIEW
    return ReportState.WAITING
