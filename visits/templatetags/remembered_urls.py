"""`{% url %}` that works out each link once per process instead of on every page.

Django's `reverse()` walks the URL patterns and checks the arguments against each candidate's
regular expression: 20-30 µs a link, and a page with forty links spends a millisecond on them.
A URL depends only on the URL configuration, the script prefix and the arguments, so the
answer for the same ones is remembered (a bounded LRU cache). This library is a template
builtin (settings: TEMPLATES), so every template's `{% url %}` is this one, with Django's syntax
and behaviour: `as var`, the current namespace, NoReverseMatch.

Only arguments whose text form is the whole of what the URL takes (text, whole numbers, UUIDs)
are remembered; anything else goes to `reverse()` every time.
"""

import functools
import uuid

from django import template
from django.conf import settings
from django.template import defaulttags
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

from config.html import conditional_escape

register = template.Library()

REMEMBERED = 4096
_PLAIN = (str, int, uuid.UUID)


@functools.lru_cache(maxsize=REMEMBERED)
def _remembered(
    urlconf: str, prefix: str, view_name: str, args: tuple, kwargs: tuple, current_app: str | None
) -> str:
    # The URL configuration and prefix are part of the key: a test that swaps either gets its
    # own answers. reverse() reads them itself.
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)


def remembered_reverse(
    view_name: str,
    args: list | tuple = (),
    kwargs: dict | None = None,
    current_app: str | None = None,
) -> str:
    """`reverse()`, answered from memory for arguments seen before."""
    kwargs = kwargs or {}
    if isinstance(view_name, str) and all(
        isinstance(value, _PLAIN) for value in (*args, *kwargs.values())
    ):
        return _remembered(
            get_urlconf() or settings.ROOT_URLCONF,
            get_script_prefix(),
            view_name,
            tuple(args),
            tuple(sorted(kwargs.items())),
            current_app,
        )
    return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)


class RememberedURLNode(defaulttags.URLNode):
    def render(self, context: template.Context) -> str:
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {name: value.resolve(context) for name, value in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        request = getattr(context, "request", None)
        try:
            current_app = request.current_app  # type: ignore[union-attr]
        except AttributeError:
            try:
                current_app = request.resolver_match.namespace  # type: ignore[union-attr]
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = remembered_reverse(view_name, args, kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser: template.base.Parser, token: template.base.Token) -> RememberedURLNode:
    """Django's `{% url %}`, parsed by Django, with each answer remembered."""
    node = defaulttags.url(parser, token)
    return RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
