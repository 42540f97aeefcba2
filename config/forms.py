"""Form rendering: every field through one accessible template."""

from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Render forms and fields with Housecall's templates (label, help, errors tied to inputs)."""

    form_template_name = "forms/_form.html"
    field_template_name = "forms/_field.html"


def refuse_oversized_choices() -> None:
    """A chosen id too large for the database is an invalid choice, not a server error.

    SQLite cannot bind integers beyond 64 bits and raises OverflowError when the query runs;
    Django's model choice fields catch the errors of a bad value but not that one, so a posted
    id like 9223372036854775808 on any admin or app form would answer 500. Called once from
    AccountsConfig.ready(), for every model choice field in the project.
    """
    from django.core.exceptions import ValidationError
    from django.forms.models import ModelChoiceField, ModelMultipleChoiceField

    # _check_values is how Django's multiple choice turns ids into rows; the stubs omit it.
    single = ModelChoiceField.to_python
    multiple = getattr(ModelMultipleChoiceField, "_check_values")  # noqa: B009
    if getattr(single, "refuses_oversized", False):
        return

    def to_python(self, value):
        try:
            return single(self, value)
        except OverflowError:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None

    def check_values(self, value):
        try:
            return multiple(self, value)
        except OverflowError:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": ""}
            ) from None

    to_python.refuses_oversized = True  # type: ignore[attr-defined]
    ModelChoiceField.to_python = to_python  # type: ignore[method-assign]
    setattr(ModelMultipleChoiceField, "_check_values", check_values)  # noqa: B010
