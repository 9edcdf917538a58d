"""Run-time switches shared by the course: fast mode, the data folder, and quiet stderr.

Fast mode shrinks data and epochs so that a whole notebook runs in about a minute. It is on when the
student sets ``EMOLIB_FAST=1`` and always when nbgrader executes a notebook (autograde or validate),
which nbgrader signals to the kernel with ``NBGRADER_EXECUTION``.

Quiet stderr: nbgrader scores a test cell that wrote anything to stderr as zero, and TensorFlow,
Keras and jieba all write harmless notices there. ``quiet_stderr()`` (run when emolib is imported)
keeps those notices visible but sends them to stdout, so a correct answer keeps its points.
"""
import logging
import os
import sys
import warnings
from pathlib import Path

FALSE_WORDS = {"", "0", "false", "no", "off"}

# Loggers of the libraries the course uses that print notices on stderr through `logging`.
NOISY_LOGGERS = ("jieba", "tensorflow", "absl", "h5py", "matplotlib")


def fast_mode() -> bool:
    """True when notebooks should shrink data and epochs (EMOLIB_FAST=1 or under nbgrader)."""
    if os.environ.get("NBGRADER_EXECUTION"):
        return True
    return os.environ.get("EMOLIB_FAST", "").strip().lower() not in FALSE_WORDS


def data_dir() -> Path:
    """Where datasets are looked for and downloaded to: $EMOLIB_DATA, else ~/.cache/emolib."""
    configured = os.environ.get("EMOLIB_DATA")
    if configured:
        return Path(configured).expanduser().resolve()
    return cache_dir()


def cache_dir() -> Path:
    """A per-user folder for extracted archives and downloads: $EMOLIB_CACHE, else ~/.cache/emolib."""
    configured = os.environ.get("EMOLIB_CACHE")
    base = Path(configured) if configured else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "emolib"
    return base.expanduser().resolve()


def _show_warning_on_stdout(message, category, filename, lineno, file=None, line=None):
    sys.stdout.write(warnings.formatwarning(message, category, filename, lineno, line))


def quiet_stderr() -> None:
    """Send library notices and Python warnings to stdout instead of stderr (see the module doc).

    Errors are unaffected: an exception still fails its cell. TensorFlow's C++ start-up chatter is
    silenced with TF_CPP_MIN_LOG_LEVEL=2 (errors still show), which must be set before it is imported.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    warnings.showwarning = _show_warning_on_stdout
    for name in NOISY_LOGGERS:
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            if isinstance(handler, logging.StreamHandler) and getattr(handler, "stream", None) in (sys.stderr, sys.__stderr__):
                logger.removeHandler(handler)
        if not any(getattr(h, "_emolib_stdout", False) for h in logger.handlers):
            handler = logging.StreamHandler(sys.stdout)
            handler._emolib_stdout = True
            logger.addHandler(handler)
        logger.propagate = False
