"""emolib's run-time switches: fast mode and quiet stderr."""
import logging
import subprocess
import sys
import warnings

import emolib


def test_fast_mode_follows_emolib_fast_and_nbgrader(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    for value, expected in (("", False), ("0", False), ("false", False), ("1", True), ("yes", True)):
        monkeypatch.setenv("EMOLIB_FAST", value)
        assert emolib.fast_mode() is expected
    monkeypatch.setenv("EMOLIB_FAST", "0")
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert emolib.fast_mode() is True


def test_data_dir_and_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("EMOLIB_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("EMOLIB_CACHE", str(tmp_path / "cache"))
    assert emolib.data_dir() == tmp_path / "data"
    assert emolib.cache_dir() == tmp_path / "cache"
    monkeypatch.delenv("EMOLIB_DATA")
    assert emolib.data_dir() == tmp_path / "cache"


def test_warnings_and_library_logs_go_to_stdout(capsys):
    emolib.quiet_stderr()
    warnings.warn("a harmless warning")
    logging.getLogger("jieba").warning("Building prefix dict")
    captured = capsys.readouterr()
    assert "a harmless warning" in captured.out and "Building prefix dict" in captured.out
    assert captured.err == ""


def test_importing_emolib_then_tensorflow_and_jieba_writes_nothing_to_stderr():
    code = ("import emolib, emolib.text; import keras; emolib.text.segment_chinese('这家酒店的服务非常好'); "
            "keras.ops.convert_to_numpy(keras.ops.sigmoid(0.0))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
