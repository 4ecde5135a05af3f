"""Reading a page as its user does: the body's text without tags, whitespace collapsed."""

from __future__ import annotations

import html
import re

from django.http import HttpResponse

# Inline elements run on with the text around them; any other tag separates words.
INLINE_TAG = re.compile(r"</?(a|abbr|b|em|i|span|strong|time)\b[^>]*>")
TAG = re.compile(r"<[^>]+>")


def visible_text(response: HttpResponse) -> str:
    page = response.content.decode()
    body = page[page.find("<body") :]
    return " ".join(html.unescape(TAG.sub(" ", INLINE_TAG.sub("", body))).split())
