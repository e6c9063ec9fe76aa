"""The one way Superset is served (the tests and the benchmark start it like
`scripts/bi.sh` does): gunicorn, 2 worker processes of 4 threads each."""

from __future__ import annotations

from pathlib import Path


def gunicorn_argv(venv_bi: Path, bind: str) -> list[str]:
    """gunicorn's command line serving Superset's app on `bind` (host:port)."""
    return [
        str(Path(venv_bi) / "bin" / "gunicorn"),
        *("--bind", bind, "--workers", "2", "--worker-class", "gthread", "--threads", "4"),
        *("--timeout", "120", "--keep-alive", "30"),
        "superset.app:create_app()",
    ]
