"""The note's forms: the draft (SOAP and the after-visit summary), an addendum, a search, a
psychotherapy note. Text is kept exactly as typed; the services decide what may be saved."""

from django import forms

from visits.records.models import AfterVisitSummary, VisitNote

TEXT_MAX = 20_000


def _text(label: str, help_text: str, rows: int = 4) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        max_length=TEXT_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"max_length": "Keep this under %(limit_value)s characters."},
    )


class NoteDraftForm(forms.Form):
    """The note (SOAP) and the after-visit summary, saved together as the draft."""

    subjective = _text("Subjective", "What the patient reports: symptoms, history, concerns.")
    objective = _text("Objective", "What you observed: vital signs reported, appearance, exam.")
    assessment = _text("Assessment", "Your assessment. Needed to sign.")
    plan = _text("Plan", "What happens next. Needed to sign.")
    findings = _text("What we found", "For the patient, in plain words.", rows=3)
    instructions = _text("What to do", "Medicines, self-care, what to watch.", rows=3)
    when_to_seek_care = _text(
        "When to seek care", "Warning signs that mean calling the clinic or 911.", rows=3
    )
    follow_up = _text("Follow-up", "When and how to follow up.", rows=2)
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    NOTE_FIELDS = ("subjective", "objective", "assessment", "plan")
    SUMMARY_FIELDS = ("findings", "instructions", "when_to_seek_care", "follow_up")

    @classmethod
    def from_saved(
        cls, note: VisitNote | None, summary: AfterVisitSummary | None
    ) -> "NoteDraftForm":
        """The form filled with the draft as saved (empty when nothing is saved yet)."""
        initial: dict = {"revision": note.revision if note else 0}
        for name in cls.NOTE_FIELDS:
            initial[name] = getattr(note, name) if note else ""
        for name in cls.SUMMARY_FIELDS:
            initial[name] = getattr(summary, name) if summary else ""
        return cls(initial=initial)

    def text(self) -> dict[str, str]:
        """What was typed in each text field (valid form only)."""
        return {name: self.cleaned_data[name] for name in self.NOTE_FIELDS + self.SUMMARY_FIELDS}

    def typed_revision(self) -> int:
        return self.cleaned_data.get("revision") or 0


class AddendumForm(forms.Form):
    """Something added to a signed note later."""

    text = forms.CharField(
        label="Addendum",
        max_length=TEXT_MAX,
        help_text="Shown below the signed note with your name and the time.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write the addendum before adding it."},
    )


class DiagnosisSearchForm(forms.Form):
    """A search of the clinic's ICD-10-CM list, by code or words."""

    dx_query = forms.CharField(
        label="Find a diagnosis",
        required=False,
        max_length=100,
        help_text="A code (J06.9) or words (sore throat).",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class PsychotherapyNoteForm(forms.Form):
    """A therapist's process notes for one session."""

    text = forms.CharField(
        label="Psychotherapy note",
        strip=False,
        max_length=TEXT_MAX,
        help_text="Seen only by you: never in the chart, the patient's portal or an export.",
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={"required": "Write the psychotherapy note before saving it."},
    )
