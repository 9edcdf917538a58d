"""autograder.sandbox: what the graded notebook's process is given (the adversarial suite grades real
submissions through it; these are the parts that need no notebook)."""
import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

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


# Run inside the sandbox: what a hostile cell could try against the boundary, without writing anything
# (were the boundary broken, a write would land in the host's files): a remount changes only the
# sandbox's own mount namespace, and access(2) answers EROFS for a read-only mount. Prints JSON.
BOUNDARY_PROBE = r'''
import ctypes, json, os, sys
paths = json.loads(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)
MS_REMOUNT, MS_BIND = 32, 4096
found = {"uid": os.getuid(), "gid": os.getgid(),
         "capabilities": int(open("/proc/self/status").read().split("CapEff:")[1].split()[0], 16),
         "remounted": [], "writable": [], "nested_user_namespace": False}
for path in paths + ["/", "/dev"]:
    if libc.mount(b"none", path.encode(), None, MS_REMOUNT | MS_BIND, None) == 0:
        found["remounted"].append(path)
    for target in [path] + [os.path.join(path, name) for name in sorted(os.listdir(path))[:20]]:
        if os.path.islink(target) or (os.path.exists(target) and not (os.path.isfile(target) or os.path.isdir(target))):
            continue  # a link (/dev/fd), or a device such as /dev/null, writable on a read-only mount by design
        if os.access(target, os.W_OK):
            found["writable"].append(target)
CLONE_NEWUSER = 0x10000000
if libc.unshare(CLONE_NEWUSER) == 0:
    found["nested_user_namespace"] = True
tmp, shm = os.statvfs("/tmp"), os.statvfs("/dev/shm")
found["tmp_mb"] = tmp.f_blocks * tmp.f_frsize / 2**20
found["shm_mb"] = shm.f_blocks * shm.f_frsize / 2**20
print(json.dumps(found))
'''


@pytest.mark.skipif(not sandbox.bwrap_status()[0], reason=f"bubblewrap cannot run here: {sandbox.bwrap_status()[1]}")
def test_inside_the_sandbox_nobody_without_capabilities_cannot_remount_or_write_outside_its_scratch():
    """Before: the kernel ran as root with every capability in bwrap's user namespace, and a cell
    remounted the read-only binds read-write. Now each of these must fail."""
    paths = [path for path in sandbox._read_only_paths() if Path(path).is_dir() and not Path(path).is_symlink()]
    result = subprocess.run([shutil.which("bwrap"), *sandbox._bwrap_arguments(), "--", sys.executable, "-c",
                             BOUNDARY_PROBE, json.dumps(paths)],
                            capture_output=True, text=True, timeout=120, env=sandbox.scrubbed_environment())
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert (found["uid"], found["gid"]) == (sandbox.SANDBOX_UID, sandbox.SANDBOX_GID)
    assert found["capabilities"] == 0, f"the sandbox keeps capabilities {found['capabilities']:#x}"
    assert found["remounted"] == [], "a read-only path could be remounted read-write"
    # The scratch folder and /dev/shm (bounded tmpfs), and devpts, where only terminals can be made.
    assert found["writable"] == ["/tmp", "/dev/pts", "/dev/shm"], "a path outside the scratch folder is writable"
    assert not found["nested_user_namespace"], "a nested user namespace (capabilities back) could be created"
    assert found["tmp_mb"] == sandbox.SCRATCH_MB and found["shm_mb"] == sandbox.SHARED_MEMORY_MB


SHARED_MEMORY_FILLER = ("import mmap, sys\nsize = int(sys.argv[1]) << 20\nshared = mmap.mmap(-1, size, flags=mmap.MAP_SHARED)\n"
                        "for i in range(0, size, 4096):\n    shared[i] = 1\nprint('survived')\n")


@pytest.mark.skipif(not sandbox.memory_cgroup_status()[0], reason=sandbox.memory_cgroup_status()[1])
def test_a_memory_cgroup_counts_shared_memory_and_ends_what_goes_over():
    group = sandbox.MemoryCgroup(100)
    try:
        within = subprocess.run(group.enter([sys.executable, "-c", SHARED_MEMORY_FILLER, "40"]), capture_output=True, text=True)
        assert within.stdout == "survived\n" and not group.out_of_memory()
        over = subprocess.run(group.enter([sys.executable, "-c", SHARED_MEMORY_FILLER, "300"]), capture_output=True, text=True)
        assert over.returncode == -signal.SIGKILL and over.stdout == "" and group.out_of_memory()
    finally:
        group.remove()
    assert not group.folder.exists()


@pytest.mark.skipif(not sandbox.memory_cgroup_status()[0], reason=sandbox.memory_cgroup_status()[1])
def test_a_memory_cgroup_says_when_its_processes_use_nearly_all_it_allows():
    group = sandbox.MemoryCgroup(200)
    holder = subprocess.Popen(group.enter([sys.executable, "-c", SHARED_MEMORY_FILLER + "sys.stdout.flush()\nsys.stdin.read()\n", "60"]),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "survived\n"
        assert not group.at_limit()  # 60 MB and the interpreter, of 200
        group.limit_bytes = 60 << 20  # as if the limit were what it holds
        assert group.at_limit()
    finally:
        holder.kill()
        holder.wait()
        group.remove()


@pytest.mark.skipif(not sandbox.memory_cgroup_status()[0], reason=sandbox.memory_cgroup_status()[1])
def test_the_cgroups_of_a_killed_grader_are_removed_by_the_next():
    gone = subprocess.Popen(["true"])
    gone.wait()
    parent = sandbox._own_memory_cgroup()[0]
    stale, live = parent / f"emotion-grading-{gone.pid}-1", sandbox.MemoryCgroup(64)
    stale.mkdir()
    sandbox._remove_stale_cgroups(parent)
    assert not stale.exists() and live.folder.exists()
    live.remove()
