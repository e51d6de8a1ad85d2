"""The shop's Flask class: Flask itself, remembering which of its hooks are coroutines.

Flask asks `inspect` whether each request hook, context processor and view is an
`async def` every time it calls one (about fifteen times per page). The answer never
changes for a function, so it is kept; a page then spends that time on itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask


class ShopFlask(Flask):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._checked: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        # Bound methods are made anew on each access but compare (and hash) equal.
        runnable = self._checked.get(func)
        if runnable is None:
            runnable = super().ensure_sync(func)
            self._checked[func] = runnable
        return runnable
