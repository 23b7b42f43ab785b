"""wxnb: WeChat in a Jupyter notebook.

Nothing heavy is imported here: pandas, requests and the widgets load on first use.
"""

from __future__ import annotations

__version__ = "0.1.0.dev0"
__all__ = ["__version__"]
