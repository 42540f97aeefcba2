"""Form rendering: every field through one accessible template."""

from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Render forms and fields with Housecall's templates (label, help, errors tied to inputs)."""

    form_template_name = "forms/_form.html"
    field_template_name = "forms/_field.html"
