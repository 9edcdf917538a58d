"""autograder.sandbox: what the graded notebook's process is given (the adversarial suite grades real
submissions through it; these are the parts that need no notebook)."""
from autograder import sandbox


def test_the_environment_is_scrubbed_but_names_the_data_and_the_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("GITHUB_TOKEN", "secret")
    monkeypatch.setenv("EMOLIB_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("EMOLIB_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    environment = sandbox.scrubbed_environment()
    assert "GITHUB_TOKEN" not in environment
    assert environment["HOME"] == "/tmp" and environment["NBGRADER_EXECUTION"] == "autograde"
    # The notebook's home is a private /tmp, so the cache must be named, or each submission extracts IMDB again.
    assert environment["EMOLIB_DATA"] == str(tmp_path / "data")
    assert environment["EMOLIB_CACHE"] == str(tmp_path / "xdg" / "emolib")


def test_the_sandbox_sees_the_data_and_the_cache_but_not_the_solutions(monkeypatch, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "cache").mkdir()
    monkeypatch.setenv("EMOLIB_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("EMOLIB_CACHE", str(tmp_path / "cache"))
    paths = sandbox._read_only_paths()
    assert str(tmp_path / "data") in paths and str(tmp_path / "cache") in paths
    assert not any(path.endswith(("/solutions", "/work", "/lessons")) for path in paths)
