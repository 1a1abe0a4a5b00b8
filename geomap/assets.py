r"""The JavaScript and CSS that geomap inlines into its pages, and safe ways to inline them.

Leaflet comes from the PyPI package ``django-js-lib-leaflet`` (module ``js_lib_leaflet``), which
ships Leaflet 1.9.4 with its BSD licence; geomap's own controls live in ``geomap/static``. Every
page geomap writes carries these files inline, so it opens with no network at all.

Examples
--------
>>> from geomap import assets
>>> html = assets.style_tag(assets.leaflet_css()) + assets.script_tag(assets.leaflet_js())
>>> print(assets.json_for_script({"name": "</script>"}))
{"name":"\u003c/script\u003e"}
"""

from __future__ import annotations

import base64
import json
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from geomap.errors import RenderError

__all__ = [
    "LEAFLET_VERSION",
    "geomap_css",
    "geomap_js",
    "json_for_script",
    "leaflet_css",
    "leaflet_dir",
    "leaflet_js",
    "script_tag",
    "story_css",
    "story_js",
    "style_tag",
]

#: Leaflet version expected in ``js_lib_leaflet``.
LEAFLET_VERSION = "1.9.4"

_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=.*$", re.MULTILINE)
_CSS_URL = re.compile(r"url\((['\"]?)(images/[^)'\"]+)\1\)")
# <, >, & could end the script or open a comment; U+2028/9 end a JavaScript string in old
# engines; a lone surrogate (from a "\\ud800" escape in a user's JSON) cannot be written as UTF-8.
_JSON_UNSAFE = re.compile("[<>&\u2028\u2029\ud800-\udfff]")


def leaflet_dir() -> Path:
    """Return the folder of Leaflet's files inside the installed ``js_lib_leaflet`` package.

    Raises
    ------
    RenderError
        When ``django-js-lib-leaflet`` is not installed.
    """
    try:
        import js_lib_leaflet
    except ImportError:
        raise RenderError(
            "Leaflet is missing: install it with 'pip install django-js-lib-leaflet'"
        ) from None
    return Path(js_lib_leaflet.__file__).resolve().parent / "static" / "js_lib_leaflet"


def _data_uri(path: Path) -> str:
    mime = "image/svg+xml" if path.suffix == ".svg" else f"image/{path.suffix.lstrip('.')}"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


@cache
def leaflet_js() -> str:
    """Return Leaflet's minified JavaScript, without its source-map comment.

    A few lines are appended so that ``L.marker`` uses the default marker images as ``data:``
    URIs instead of guessing an image folder next to the page (which does not exist offline).
    """
    text = (leaflet_dir() / "leaflet.js").read_text(encoding="utf-8")
    images = leaflet_dir() / "images"
    icons = {
        "iconUrl": _data_uri(images / "marker-icon.png"),
        "iconRetinaUrl": _data_uri(images / "marker-icon-2x.png"),
        "shadowUrl": _data_uri(images / "marker-shadow.png"),
    }
    patch = (
        "L.Icon.Default.include({_getIconUrl: function (name) {"
        " return L.Icon.prototype._getIconUrl.call(this, name); }});\n"
        f"L.Icon.Default.mergeOptions({json.dumps(icons)});\n"
    )
    return _SOURCE_MAP.sub("", text).rstrip() + "\n" + patch


@cache
def leaflet_css() -> str:
    """Return Leaflet's CSS with its images (markers, layer icon) inlined as ``data:`` URIs."""
    folder = leaflet_dir()

    def inline(match: re.Match[str]) -> str:
        return f'url("{_data_uri(folder / match.group(2))}")'

    css = (folder / "leaflet.css").read_text(encoding="utf-8")
    # old-IE behaviour URLs are the only other url() in the file; drop nothing else
    return _CSS_URL.sub(inline, css)


def _static(name: str) -> str:
    return resources.files("geomap").joinpath("static", name).read_text(encoding="utf-8")


@cache
def geomap_js() -> str:
    """Return geomap's own map controls (``geomap/static/geomap.js``)."""
    return _static("geomap.js")


@cache
def geomap_css() -> str:
    """Return geomap's own map styles (``geomap/static/geomap.css``)."""
    return _static("geomap.css")


@cache
def story_js() -> str:
    """Return the story page's script (``geomap/static/story.js``)."""
    return _static("story.js")


@cache
def story_css() -> str:
    """Return the story page's styles (``geomap/static/story.css``)."""
    return _static("story.css")


def _escape_inline(text: str) -> str:
    # "</" could close the element early and "<!--" switches the HTML parser into a state where
    # a later "</script>" is not seen; both are harmless to escape in JavaScript and CSS text.
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def script_tag(js: str) -> str:
    """Return ``js`` as an inline ``<script>`` element that no text inside it can close early."""
    return f"<script>\n{_escape_inline(js)}\n</script>"


def style_tag(css: str) -> str:
    """Return ``css`` as an inline ``<style>`` element that no text inside it can close early."""
    return f"<style>\n{_escape_inline(css)}\n</style>"


def json_for_script(obj: Any) -> str:
    r"""Return ``obj`` as JSON that is safe to place inside an inline ``<script>``.

    ``<``, ``>``, ``&``, U+2028, U+2029 and lone surrogates are written as ``\uXXXX`` escapes, so
    no value can end the script, open a comment, break a JavaScript string or fail to encode as
    UTF-8; the result is still plain JSON.

    Raises
    ------
    RenderError
        When ``obj`` holds something JSON cannot represent (NaN, infinity, objects).
    """
    try:
        text = json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise RenderError(f"cannot embed data in the page: {exc}") from None
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
