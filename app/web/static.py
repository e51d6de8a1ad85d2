"""Static files through WhiteNoise: gzip twins, and hashed files cached for a year."""

from __future__ import annotations

from flask import Flask
from whitenoise import WhiteNoise


def init_static(app: Flask) -> None:
    """Serve static/ through WhiteNoise: gzip twins, and hashed files cached for a year."""

    def immutable(path: str, url: str) -> bool:
        return "/built/" in url and not url.endswith("manifest.json")

    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app,
        root=app.static_folder,
        prefix="static/",
        max_age=3600,
        immutable_file_test=immutable,
    )
