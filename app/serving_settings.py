"""How the web processes serve, read from the environment: how old the state behind kept
pages may be, and how many database connections each process may hold.

PostgreSQL accepts a limited number of connections (a small plan: 20 or 25, and the
clock, the worker and a console need theirs). The connections are shared out: each web
process may hold DB_MAX_CONNECTIONS divided by the web processes, a pool of one per
thread (GUNICORN_THREADS) and the rest as overflow; a request that finds none free waits
DB_POOL_TIMEOUT seconds for one rather than failing at once.
"""

from __future__ import annotations

from typing import Any


def _number(environ: dict[str, str], name: str, default: str) -> float:
    return float(environ.get(name, "").strip() or default)


def database_pool(environ: dict[str, str], web_processes: int, database_url: str) -> dict[str, Any]:
    """SQLAlchemy's engine options for this process."""
    options: dict[str, Any] = {"pool_pre_ping": True}
    if not database_url.startswith("postgresql"):
        # SQLite's file locks serialize writers whatever the pool holds.
        return options
    share = max(2, int(_number(environ, "DB_MAX_CONNECTIONS", "20")) // max(1, web_processes))
    threads = int(_number(environ, "GUNICORN_THREADS", "4"))
    pool_size = max(1, min(threads, share))
    return options | {
        "pool_size": pool_size,
        "max_overflow": share - pool_size,
        "pool_timeout": _number(environ, "DB_POOL_TIMEOUT", "10"),
    }


def serving_settings(
    environ: dict[str, str], web_processes: int, database_url: str
) -> dict[str, Any]:
    return {
        # Kept pages (app/web/page_cache.py) read the catalog's fingerprint and the seats
        # left at most this often per process; 0 reads them on every request (tests).
        "PAGE_STATE_SECONDS": _number(environ, "PAGE_STATE_SECONDS", "1"),
        "SQLALCHEMY_ENGINE_OPTIONS": database_pool(environ, web_processes, database_url),
    }
