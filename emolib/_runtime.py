"""Run-time switches shared by the course: fast mode, the data folder, and quiet stderr.

Fast mode shrinks data and epochs so that a whole notebook runs in about a minute. It is on when the
student sets ``EMOLIB_FAST=1`` and always when nbgrader executes a notebook (autograde or validate),
which nbgrader signals to the kernel with ``NBGRADER_EXECUTION``.

Quiet stderr: nbgrader scores a test cell that wrote anything to stderr as zero, and TensorFlow,
Keras and jieba all write harmless notices there. ``quiet_stderr()`` (run when emolib is imported)
keeps those notices visible but sends them to stdout, so a correct answer keeps its points.
"""
import importlib.abc
import importlib.machinery
import logging
import os
import sys
import warnings
from contextlib import contextmanager
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


class _StdoutHandler(logging.StreamHandler):
    """A logging handler that writes to whatever sys.stdout is when a record arrives."""

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, value):  # StreamHandler.__init__ assigns one; the property always answers stdout
        pass


def _show_warning_on_stdout(message, category, filename, lineno, file=None, line=None):
    sys.stdout.write(warnings.formatwarning(message, category, filename, lineno, line))


@contextmanager
def _stderr_file_to_stdout():
    """Point file descriptor 2 at stdout's for a while: catches what C++ code writes to stderr."""
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    saved = os.dup(2)
    try:
        os.dup2(1, 2)  # in a Jupyter kernel, file descriptor 1 is forwarded to the cell's stdout too
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class _LoaderWithStderrOnStdout(importlib.abc.Loader):
    """Runs another loader's module code with file descriptor 2 pointed at stdout."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        with _stderr_file_to_stdout():
            self.loader.exec_module(module)

    def __getattr__(self, name):  # is_package, get_resource_reader, ... answered by the real loader
        return getattr(self.loader, name)


class _TensorFlowImportOnStdout(importlib.abc.MetaPathFinder):
    """TensorFlow's C++ core writes start-up notices (no GPU found, ...) straight to file descriptor 2
    before its log level applies, so no setting silences them: run its import with stderr on stdout."""

    def find_spec(self, name, path, target=None):
        if name != "tensorflow":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _LoaderWithStderrOnStdout(spec.loader)
        return spec


def quiet_stderr() -> None:
    """Send library notices and Python warnings to stdout instead of stderr (see the module doc).

    Exceptions are unaffected: a failing answer still fails its cell. TensorFlow's C++ log is limited
    to fatal errors (TF_CPP_MIN_LOG_LEVEL=3 unless already set; it must be set before TensorFlow is
    imported, and on a machine without a GPU it would otherwise log "failed call to cuInit" as an
    error at the first operation), and its import runs with stderr pointed at stdout.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" not in sys.modules and not any(isinstance(f, _TensorFlowImportOnStdout) for f in sys.meta_path):
        sys.meta_path.insert(0, _TensorFlowImportOnStdout())
    warnings.showwarning = _show_warning_on_stdout
    for name in NOISY_LOGGERS:
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            if not isinstance(handler, _StdoutHandler) and getattr(handler, "stream", None) in (sys.stderr, sys.__stderr__):
                logger.removeHandler(handler)
        if not any(isinstance(handler, _StdoutHandler) for handler in logger.handlers):
            logger.addHandler(_StdoutHandler())
        logger.propagate = False
