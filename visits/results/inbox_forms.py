"""Staff's forms for lab messages: upload a file, attach a message to a patient, reject one."""

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from accounts.models import PatientProfile, User
from visits.records.models import LabOrder
from visits.results.importer import decode_message
from visits.results.messages import MessageError

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _size_words(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


class UploadForm(forms.Form):
    """One message file, as a lab sent it."""

    message_file = forms.FileField(
        label="Message file",
        help_text="An HL7 v2 ORU^R01 file (.hl7, .txt) or a FHIR R4 JSON file (.json), as the "
        "lab sent it.",
        error_messages={
            "required": "Choose the file the lab sent.",
            "empty": "That file is empty: choose the file the lab sent.",
            "invalid": "That was not a file: choose the file the lab sent.",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".hl7,.txt,.json,.hl7v2,.oru"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        limit = settings.LAB_MESSAGE_MAX_BYTES
        self.fields["message_file"].help_text += f" Up to {_size_words(limit)}."

    def clean_message_file(self) -> str:
        """The file's text; a file too large, binary or empty is refused here."""
        upload: UploadedFile = self.cleaned_data["message_file"]
        limit = settings.LAB_MESSAGE_MAX_BYTES
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(
                f"That file is {_size_words(upload.size)}; a lab message can be at most "
                f"{_size_words(limit)}."
            )
        data = upload.read(limit + 1)
        if len(data) > limit:
            raise forms.ValidationError(f"A lab message can be at most {_size_words(limit)}.")
        try:
            return decode_message(data)
        except MessageError as error:
            raise forms.ValidationError(error.reason) from None

    @property
    def file_name(self) -> str:
        upload = self.files.get("message_file")
        return str(getattr(upload, "name", "") or "upload")[:150]


class OrderChoiceField(forms.ModelChoiceField):
    """A patient's lab orders, each named by its test, date, number and status."""

    def label_from_instance(self, obj) -> str:
        return (
            f"{obj.test_name}, ordered {obj.created_at:%b %-d, %Y} ({obj.number}, "
            f"{obj.get_status_display().lower()})"
        )


class AttachForm(forms.Form):
    """Whom a message belongs to: their record number and date of birth (which must agree),
    then which of their orders. Without an order the form finds the patient and offers theirs."""

    record_number = forms.CharField(
        label="Medical record number",
        max_length=12,
        help_text="As on the patient's record, e.g. HC01234567.",
        error_messages={"required": "Enter the patient's medical record number."},
    )
    date_of_birth = forms.DateField(
        label="Date of birth",
        widget=DATE_WIDGET,
        help_text="It must agree with the patient's record.",
        error_messages={
            "required": "Enter the patient's date of birth.",
            "invalid": "Enter the date of birth as a date, e.g. 1984-11-02.",
        },
    )
    order = OrderChoiceField(
        label="Which of their orders",
        queryset=LabOrder.objects.none(),
        required=False,
        widget=forms.RadioSelect,
        empty_label=None,
        to_field_name="number",
        error_messages={"invalid_choice": "Choose one of this patient's orders."},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.patient: User | None = None
        number = str(self.data.get("record_number", "")).strip().upper()
        profile = (
            PatientProfile.objects.select_related("user").filter(record_number=number).first()
            if number
            else None
        )
        self.profile = profile
        if profile is not None:
            field = self.fields["order"]
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = LabOrder.objects.filter(patient_id=profile.user_id).order_by(
                    "-created_at"
                )

    def clean_record_number(self) -> str:
        number = self.cleaned_data["record_number"].strip().upper()
        if self.profile is None:
            raise forms.ValidationError(f"No patient has the record number {number}.")
        return number

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        birth_date = cleaned.get("date_of_birth")
        if self.profile is not None and birth_date is not None:
            if birth_date != self.profile.date_of_birth:
                self.add_error(
                    "date_of_birth",
                    "That date of birth does not agree with the patient's record: check both.",
                )
            else:
                self.patient = self.profile.user
        return cleaned


class RejectForm(forms.Form):
    """Why a message belongs to nobody here (kept, with the reason)."""

    reason = forms.CharField(
        label="Why reject it",
        max_length=300,
        help_text="For example: another clinic's patient; the lab will resend it.",
        error_messages={"required": "Say why this message is rejected."},
        widget=forms.Textarea(attrs={"rows": 2}),
    )
