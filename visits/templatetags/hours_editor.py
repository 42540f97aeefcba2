"""The hours editor's weekdays and their blocks of hours, written in Python.

A week has seven weekdays and ten or more blocks, each with links, forms and their words;
through the template a weekday cost some 1,200 calls and each block as many again.
`{% weekday_hours %}` and `{% block_item %}` write what the template wrote, character for
character (`tests/visits/scheduling/views/test_hours_markup.py`).
"""

from html import escape

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.safestring import SafeString, mark_safe

from config.html import conditional_escape
from visits.scheduling.views.hours_page import BlockRow, DayHours

register = template.Library()


def _row(row: BlockRow, csrf: str, refocus: bool) -> str:
    pk, weekday = row.block.pk, row.block.weekday
    url, words = escape(row.url), escape(row.words)
    if row.form is not None:
        return (
            f'\n<li id="block-{pk}">\n  \n'
            f'    <form method="post" action="{url}" hx-post="{url}"'
            f' hx-include="#weekday-{weekday}" hx-target="#weekday-{weekday}" hx-swap="outerHTML"'
            ' class="block-form" novalidate>\n'
            f"      {csrf}\n"
            "      <fieldset>\n"
            f"        <legend>Change {escape(row.label)} {escape(row.span)}</legend>\n"
            f"        {row.form.render()}\n"
            "      </fieldset>\n"
            '      <button type="submit">Save</button>\n'
            f'      <a href="{escape(row.day_url)}" hx-get="{url}?close=1" hx-target="#block-{pk}"'
            ' hx-swap="outerHTML">Cancel'
            f'<span class="visually-hidden"> changing {words}</span></a>\n'
            "    </form>\n  \n</li>\n"
        )
    remove_url = escape(row.remove_url)
    autofocus = " autofocus" if refocus else ""
    return (
        f'\n<li id="block-{pk}">\n  \n'
        f'    <span class="block-time">{escape(row.span)}</span>\n'
        f'    <a href="{url}" hx-get="{url}" hx-target="#block-{pk}" hx-swap="outerHTML"'
        f'{autofocus}>Change<span class="visually-hidden"> {words}</span></a>\n'
        f'    <form method="post" action="{remove_url}" hx-post="{remove_url}"'
        f' hx-include="#weekday-{weekday}" hx-target="#weekday-{weekday}" hx-swap="outerHTML"'
        ' class="inline-form" novalidate>\n'
        f"      {csrf}\n"
        '      <button type="submit" class="secondary outline">Remove'
        f'<span class="visually-hidden"> {words}</span></button>\n'
        "    </form>\n  \n</li>\n"
    )


@register.simple_tag(takes_context=True)
def block_item(context: template.Context, row: BlockRow, refocus: bool = False) -> SafeString:
    """One block's list item: its change form when open; else its times, the link that opens
    the form and the form that removes it (`refocus`: focus that link, the form just closed)."""
    return mark_safe(_row(row, CsrfTokenNode().render(context), refocus))  # noqa: S308


@register.simple_tag(takes_context=True)
def weekday_hours(context: template.Context, day: DayHours) -> SafeString:
    """One weekday: its status, its blocks, the form to add one and the link to copy it."""
    csrf = CsrfTokenNode().render(context)
    n, label = day.weekday, conditional_escape(day.label)
    heading_focus = " autofocus" if day.focus == "heading" else ""
    status_focus = " autofocus" if day.focus == "status" else ""
    if day.rows:
        rows = "".join(f"\n{_row(row, csrf, False)}\n" for row in day.rows)
        blocks = f'\n    <ul class="blocks">\n      {rows}\n    </ul>\n  '
    else:
        blocks = '\n    <p class="empty">Not working.</p>\n  '
    add_url = escape(day.add_url)
    return mark_safe(  # noqa: S308 - every value is escaped, the forms are the renderer's
        f'\n<section id="weekday-{n}" class="weekday" aria-labelledby="weekday-{n}-heading">\n'
        f'  <h3 id="weekday-{n}-heading" tabindex="-1"{heading_focus}>{label}</h3>\n'
        f'  <p class="swap-status" role="status" aria-live="polite" tabindex="-1"{status_focus}>'
        f"{conditional_escape(day.status)}</p>\n"
        f"  {blocks}\n"
        f'  <form method="post" action="{add_url}" hx-post="{add_url}"'
        f' hx-include="#weekday-{n}" hx-target="#weekday-{n}" hx-swap="outerHTML"'
        ' class="block-form" novalidate>\n'
        f"    {csrf}\n"
        "    <fieldset>\n"
        f"      <legend>Add hours on {label}</legend>\n"
        f"      {day.add_fields}\n"
        "    </fieldset>\n"
        '    <button type="submit" class="secondary">Add'
        f'<span class="visually-hidden"> hours on {label}</span></button>\n'
        "  </form>\n"
        f'  <p><a href="{escape(day.editor_url)}?copy={n}#copy-day"'
        f' hx-get="{escape(day.copy_url)}?copy={n}" hx-include="[name=\'copy-targets\']"'
        f' hx-target="#copy-day" hx-swap="outerHTML">Copy {label} to other days</a></p>\n'
        "</section>\n"
    )
