"""Errors shown in place of a part of the page, never as a traceback."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

import streamlit as st

import planner
from planner.i18n import app_message, t

log = logging.getLogger("planner.app")


def _show(exc: Exception, lang: str, title: str) -> None:
    if isinstance(exc, planner.PlannerError):
        st.error(f"**{t(title, lang)}**\n\n{app_message(str(exc), lang)}")
    else:  # a bug in planner: say so, log it, keep the app alive
        log.exception("unexpected error")
        st.error(f"**{t(title, lang)}**\n\n{t('error_bug', lang, kind=type(exc).__name__)}\n\n{exc}")


def guarded(call: Callable[[], Any], lang: str) -> Any:
    """Run a library call; show a PlannerError's message (or a bug notice) instead of a traceback.

    Returns ``(None, None)`` after showing the error (the cached calls return pairs).
    """
    try:
        return call()
    except Exception as exc:
        _show(exc, lang, "error_title")
    return None, None


@contextlib.contextmanager
def shown_safely(lang: str, title: str = "error_part") -> Iterator[None]:
    """Show an error in one part of the page (the map, a tab) as a message, never a traceback."""
    try:
        yield
    except Exception as exc:
        _show(exc, lang, title)
