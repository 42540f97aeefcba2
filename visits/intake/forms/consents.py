"""The intake's last step: each consent read in full and signed by typing the legal name."""

from collections.abc import Sequence

from django import forms

from visits.intake.consents import CONSENTS, ConsentDocument
from visits.intake.forms.base import IntakeStepForm


def same_name(typed: str, legal_name: str) -> bool:
    """Whether a typed signature is the legal name, ignoring case and extra spaces."""
    return " ".join(typed.split()).casefold() == " ".join(legal_name.split()).casefold()


class ConsentsForm(IntakeStepForm):
    """Step 8: each consent read in full and signed by typing the legal name."""

    def __init__(
        self,
        raw: dict | None = None,
        *,
        bound: bool = False,
        legal_name: str = "",
        to_sign: Sequence[ConsentDocument] = (),
        **kwargs,
    ) -> None:
        super().__init__(raw, bound=bound, **kwargs)
        self.legal_name = legal_name
        self.to_sign = list(to_sign)
        for document in self.to_sign:
            self.fields[self.field_for(document)] = forms.CharField(
                label=f"Your full legal name, to sign the {document.title.lower()}",
                max_length=250,
                help_text=f"Type it as in your details: {legal_name}.",
                error_messages={
                    "required": f"Type your full legal name to sign the {document.title.lower()}."
                },
                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            )

    @staticmethod
    def field_for(document: ConsentDocument) -> str:
        return f"sign_{document.slug}"

    @classmethod
    def field_names(cls) -> list[str]:
        return [cls.field_for(document) for document in CONSENTS.values()]

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        for document in self.to_sign:
            name = self.field_for(document)
            typed = cleaned.get(name)
            if typed and not same_name(typed, self.legal_name):
                self.add_error(
                    name,
                    forms.ValidationError(
                        f"The name you typed doesn't match your legal name, {self.legal_name}. "
                        "Type it as in your details (if it has changed, update your details first).",
                        code="name_mismatch",
                    ),
                )
        return cleaned

    def says_same_as(self, saved: dict | None) -> bool:
        """A signature is always new: typing the name again signs again."""
        return False

    def signatures(self) -> dict[str, str]:
        """Document slug → the name as typed, once valid."""
        return {
            document.slug: self.cleaned_data[self.field_for(document)] for document in self.to_sign
        }
