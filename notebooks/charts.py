"""Chart set-up shared by the tutorial notebooks: Chinese and emoji labels that render, in SVG.

Matplotlib draws text with one font per glyph run and cannot use colour emoji fonts (Noto Color Emoji is
a bitmap font it refuses). So the charts are SVG with their text kept as text (``svg.fonttype =
"none"``): the browser draws every label with the page's fonts, CJK and colour emoji included, and
matplotlib only measures it, with a CJK font when one is installed (on Debian: fonts-noto-cjk).

Example::

    import charts
    charts.setup()          # once, at the top of a notebook
    df.plot.barh()          # labels such as "家人群 👨‍👩‍👧" come out right
"""

from __future__ import annotations

import warnings

# Fonts with Chinese glyphs, most preferred first: Debian/Ubuntu (fonts-noto-cjk), Adobe's name for
# the same font, macOS, Windows, older Linux desktops.
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "PingFang SC",
    "Hiragino Sans GB",
    "Microsoft YaHei",
    "SimHei",
    "WenQuanYi Zen Hei",
    "Arial Unicode MS",
)


def cjk_font() -> str | None:
    """The first installed font of :data:`CJK_FONTS`, or None."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def setup() -> str | None:
    """Configure matplotlib (and the notebook's inline figures) for CJK and emoji labels.

    Returns the CJK font used to measure text, or None (then a warning says what to install: the
    browser still draws the labels, but their boxes may be sized for another font).
    """
    import matplotlib as mpl

    font = cjk_font()
    if font is None:
        warnings.warn(
            "no CJK font found for matplotlib: install one (Debian: apt-get install fonts-noto-cjk; "
            "or any of " + ", ".join(CJK_FONTS) + ") for well-measured Chinese labels",
            stacklevel=2,
        )
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["font.sans-serif"] = [*([font] if font else []), "DejaVu Sans"]
    mpl.rcParams["svg.fonttype"] = "none"  # text stays text: the browser draws it, emoji in colour
    mpl.rcParams["axes.unicode_minus"] = False  # CJK fonts lack U+2212
    mpl.rcParams["figure.dpi"] = 100
    # Glyphs matplotlib cannot measure (emoji) are still drawn by the browser: no need to warn.
    warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
    try:
        from IPython import get_ipython
    except ImportError:
        return font
    shell = get_ipython()
    if shell is not None:
        shell.run_line_magic("config", "InlineBackend.figure_formats = ['svg']")
    return font
