"""The ``jiandu`` command line (Typer), a package: one module per command group.

Thin: every command parses its options, calls one service and prints. Heavy modules
(SQLAlchemy, the services) are imported inside the commands so that ``jiandu --help`` and
simple commands answer quickly. Exit codes: 0 done, 2 refused or invalid (one line on
stderr, never a traceback), 1 internal error.

    jiandu/cli/__init__.py   main(): the one place errors become exit codes; run() (console script)
    jiandu/cli/context.py    what the groups share: runtime(), emit(), when(), the common options
    jiandu/cli/root.py       the root app: registers the groups; init, praise, serve, demo, board, qr, score
    jiandu/cli/<group>.py    org, complaint, clocks, incident, month, outbox, spotcheck, user, audit,
                             policy, appeal: each its Typer app, importing context only
"""

from __future__ import annotations

import sys

import typer

from jiandu.cli.root import app

try:  # Typer ≥ 0.20 vendors click
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover
    from click.exceptions import ClickException

__all__ = ["app", "main", "run"]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; map every refusal to one line on stderr and exit code 2."""
    from core.validation import has_control_characters

    for arg in sys.argv[1:] if argv is None else argv:  # the one input check, as the web's
        if has_control_characters(arg):
            shown = ascii(arg) if len(arg) <= 60 else ascii(arg[:60]) + "..."
            return _fail(f"argument {shown} is not valid text (control characters or bytes that are not "
                         "UTF-8) 参数含有控制字符或无效字符", 2)
    try:
        result = app(args=argv, prog_name="jiandu", standalone_mode=False)
    except ClickException as exc:  # bad options or arguments: click's exit code (2)
        where = f" ({exc.ctx.command_path})" if getattr(exc, "ctx", None) else ""
        return _fail(f"{exc.format_message()}{where}", exc.exit_code)
    except typer.Abort:
        return _fail("aborted 已取消", 1)
    except typer.Exit as exc:
        return exc.exit_code
    except Exception as exc:  # noqa: BLE001 - the one place errors become exit codes
        return _fail_from(exc)
    return result if isinstance(result, int) else 0


def _fail_from(exc: Exception) -> int:
    from core.errors import JianduError

    if isinstance(exc, JianduError):
        return _fail(str(exc), 2)
    try:
        from sqlalchemy.exc import OperationalError

        if isinstance(exc, OperationalError):
            return _fail(f"database unavailable 数据库不可用: {str(exc.orig).strip().splitlines()[0]}", 2)
    except ImportError:
        pass
    return _fail(f"internal error 内部错误: {type(exc).__name__}: {exc}", 1)


def _fail(message: str, code: int) -> int:
    print(f"jiandu: {' '.join(message.split())}", file=sys.stderr)
    return code


def run() -> None:
    sys.exit(main())
