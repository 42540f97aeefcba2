"""The site's header, written in Python: every page has it, and the template engine spent some
two thousand calls on its links, its sign-out form and its lookups of the signed-in person.
`tests/config/site_header_reference.html` is the header as the template wrote it, and a test
holds this to it for every role, signed in and out, on each of their pages."""

from collections.abc import Iterable, Mapping

from django import template
from django.templatetags.static import static
from django.utils.safestring import SafeString

from config.html import escape
from visits.templatetags.remembered_urls import remembered_reverse

register = template.Library()
CURRENT = ' aria-current="page"'


def _nav_links(items: Iterable[Mapping]) -> str:
    return "".join(
        f'\n          <li><a href="{escape(item["url"])}"'
        f"{CURRENT if item['current'] else ''}>"
        f"{escape(item['label'])}</a></li>\n        "
        for item in items
    )


def _account_links(context: template.Context) -> str:
    user = context.get("user")
    if user is not None and user.is_authenticated:
        csrf = context.get("csrf_token")
        field = (
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf)}">'
            if csrf and csrf != "NOTPROVIDED"  # as {% csrf_token %} writes it
            else ""
        )
        return (
            "\n          <li>\n"
            f'            <form method="post" action="{escape(remembered_reverse("account_logout"))}"'
            ' class="inline-form">\n'
            f"              {field}\n"
            '              <button type="submit" class="secondary outline">Sign out</button>\n'
            "            </form>\n"
            "          </li>\n        "
        )
    return (
        f'\n          <li><a href="{escape(remembered_reverse("account_login"))}">Sign in</a></li>\n'
        f'          <li><a href="{escape(remembered_reverse("account_signup"))}" role="button">'
        "Create account</a></li>\n        "
    )


@register.simple_tag(takes_context=True)
def site_header(context: template.Context) -> SafeString:
    """The brand, the role's navigation and the sign-in or sign-out controls."""
    site_name = escape(context.get("site_name", ""))
    return SafeString(
        '<header class="site-header">\n'
        '    <nav class="container" aria-label="Main">\n'
        "      <ul>\n"
        f'        <li><a href="{escape(remembered_reverse("home"))}" class="brand">'
        f'<img src="{escape(static("images/favicon.svg"))}" alt="" width="28" height="28">'
        f" <strong>{site_name}</strong></a></li>\n"
        "      </ul>\n"
        "      <ul>\n"
        f"        {_nav_links(context.get('nav_items') or [])}\n"
        f"        {_account_links(context)}\n"
        "      </ul>\n"
        "    </nav>\n"
        "  </header>"
    )
