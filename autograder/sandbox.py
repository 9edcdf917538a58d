"""Where a submission's code runs when it is graded: inside bubblewrap when it can run, with limits.

``judge.py`` starts the student's side (``python -m autograder.student``) with the arguments and the
environment given here. With bubblewrap (``bwrap``, Debian package ``bubblewrap``) it runs as an
unprivileged user with no capabilities and sees no network, a read-only view of the interpreter, the
virtual environment, ``emolib/``, ``autograder/`` and the data folder, a private ``/tmp`` of bounded
size as its working folder (and a small ``/dev/shm``), and nothing else of the course: not
``solutions/``, the gradebook, ``work/`` or any other submission; nothing else is writable. Without it
(or when it cannot create its namespaces, as in some containers) it still gets the resource limits and
a scrubbed environment, and the grader says so.
"""
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

COURSE_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Limits:
    """What one submission may use. The course defaults are set in nbgrader_config.py
    (``c.SandboxedExecute``), and ``grade --wall-time/--cell-time/--memory/--processes`` override them."""
    wall_seconds: float = 600.0   # the whole notebook, restarts included
    cell_seconds: float = 300.0   # one cell
    memory_mb: int = 4096         # memory the kernel may write to (RLIMIT_DATA)
    processes: int = 64           # processes in the submission's sandbox at once
    # Mutation testing asks only whether a submission loses points: with this set, the first test cell
    # that fails ends the notebook, and the cells after it score zero as "not run" (see judge.py).
    stop_at_first_failed_test: bool = False


@lru_cache(maxsize=1)
def bwrap_status():
    """(usable, explanation): whether bubblewrap can create its namespaces on this machine."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return False, "bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    probe = subprocess.run([bwrap, *_bwrap_arguments(), "--", sys.executable, "-c", "print('ok')"],
                           capture_output=True, text=True, timeout=60, env=scrubbed_environment())
    if probe.returncode != 0 or probe.stdout.strip() != "ok":
        return False, f"bwrap is installed but cannot run here (exit {probe.returncode}): {probe.stderr.strip()}"
    return True, (f"bubblewrap sandbox ({bwrap}): no network, no capabilities, uid {SANDBOX_UID}, read-only "
                  f"course code, private /tmp of {SCRATCH_MB} MB")


def sandbox_mode(use_sandbox=True):
    """The line the grader prints about isolation, and whether bwrap will be used."""
    memory = memory_cgroup_status()[1]
    if not use_sandbox:
        return False, f"no sandbox (--no-sandbox): resource limits and a scrubbed environment only; {memory}"
    usable, explanation = bwrap_status()
    if usable:
        return True, f"{explanation}; {memory}"
    return False, f"no sandbox: {explanation}; falling back to resource limits and a scrubbed environment; {memory}"


# --- memory, however it is taken ----------------------------------------------------------------------
# RLIMIT_DATA (set by the student's side) bounds the heap and private mappings, what a memory bomb
# usually grows, but not shared anonymous memory (mmap MAP_SHARED): that is charged to no limit but a
# cgroup's. Where this process may create memory cgroups below its own (cgroup v1's memory controller,
# or v2 with the controller delegated), each student's side runs in one of its own, whose limit counts
# every page its processes touch, shared, tmpfs files included; over it, the kernel's OOM killer ends
# the largest process in it, and the cell costs what a crash costs. The limit adds to the kernel's data
# limit what the scratch tmpfs and /dev/shm may hold and room for the runner process.
RUNNER_MB = 512


def cgroup_limit_mb(memory_mb):
    return int(memory_mb) + SCRATCH_MB + SHARED_MEMORY_MB + RUNNER_MB


# The files of a memory cgroup that the grader uses, in cgroup v1 and v2: the limit, the memory in use,
# and where the kernel counts the processes its OOM killer ended ("oom_kill N").
CGROUP_V1_FILES = {"limit": "memory.limit_in_bytes", "usage": "memory.usage_in_bytes", "events": "memory.oom_control"}
CGROUP_V2_FILES = {"limit": "memory.max", "usage": "memory.current", "events": "memory.events"}


def _own_memory_cgroup():
    """(folder, file names) of this process's memory cgroup, or raise OSError saying why not."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):  # v1
            return Path("/sys/fs/cgroup/memory") / path.lstrip("/"), CGROUP_V1_FILES
        if controllers == "":  # v2: usable when the memory controller is delegated to our children
            folder = Path("/sys/fs/cgroup") / path.lstrip("/")
            if "memory" in (folder / "cgroup.subtree_control").read_text().split():
                return folder, CGROUP_V2_FILES
    raise OSError("no memory controller is delegated to this process's cgroup")


class MemoryCgroup:
    """A memory cgroup of its own below this process's, with a limit; ``enter`` is the shell prefix that
    moves a command into it before it starts."""
    counter = 0

    def __init__(self, limit_mb):
        parent, self.files = _own_memory_cgroup()
        MemoryCgroup.counter += 1
        self.folder = parent / f"emotion-grading-{os.getpid()}-{MemoryCgroup.counter}"
        self.limit_bytes = int(limit_mb) << 20
        self.folder.mkdir()
        try:
            (self.folder / self.files["limit"]).write_text(str(self.limit_bytes))
        except OSError:
            self.remove()
            raise

    def enter(self, command):
        return ["/bin/sh", "-c", f'echo $$ > "{self.folder}/cgroup.procs" && exec "$@"', "sh", *command]

    def out_of_memory(self):
        """Whether the kernel's OOM killer has ended a process of this cgroup."""
        try:
            counts = dict(line.split() for line in (self.folder / self.files["events"]).read_text().splitlines())
        except (OSError, ValueError):
            return False
        return int(counts.get("oom_kill", 0)) > 0

    def at_limit(self):
        """Whether its processes use (nearly) all the memory it allows: then the kernel reclaims their
        own page cache over and over before its OOM killer acts, which can take longer than a cell may run."""
        try:
            return int((self.folder / self.files["usage"]).read_text()) >= 0.95 * self.limit_bytes
        except (OSError, ValueError):
            return False

    def remove(self):
        """Remove the cgroup once its processes are gone (they were killed; exiting takes a moment)."""
        for _ in range(50):
            try:
                self.folder.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.1)


def _remove_stale_cgroups(parent):
    """The cgroups of grading processes that were killed before they could remove them."""
    for folder in parent.glob("emotion-grading-*-*"):
        pid = int(folder.name.split("-")[2])
        if not Path(f"/proc/{pid}").exists():
            try:
                folder.rmdir()
            except OSError:  # still has processes: left for a later run
                pass


@lru_cache(maxsize=1)
def memory_cgroup_status():
    """(usable, explanation): whether each student's side can get a memory cgroup here."""
    try:
        _remove_stale_cgroups(_own_memory_cgroup()[0])
        MemoryCgroup(64).remove()
    except OSError as error:
        return False, (f"memory: the data limit and bounded tmpfs only, shared memory uncounted (no memory cgroup: "
                       f"{error})")
    return True, "memory: a cgroup per submission counts every page, shared ones included"


def _read_only_paths():
    """What the student's notebook needs to run, nothing more."""
    paths = ["/usr", "/bin", "/lib", "/lib64", "/etc", sys.base_prefix, sys.prefix,
             COURSE_ROOT / "emolib", COURSE_ROOT / "autograder"]
    paths += list(dataset_folders().values())
    return [path for path in dict.fromkeys(map(str, paths)) if Path(path).exists()]


# The sandbox's only writable places, both tmpfs and so host memory that the kernel's memory limit does
# not count: bounded here instead. 512 MB of scratch holds what a lesson writes (jieba's cache, a
# saved model); /dev/shm only needs room for semaphores and small shared buffers.
SCRATCH_MB = 512
SHARED_MEMORY_MB = 64
# An unprivileged identity inside the sandbox's user namespace (nobody): with no capabilities it
# cannot remount the read-only binds, and it owns nothing outside its scratch folder.
SANDBOX_UID = SANDBOX_GID = 65534


def _bwrap_arguments():
    # --disable-userns: no nested user namespace, where a process would get capabilities back.
    arguments = ["--unshare-all", "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_GID),
                 "--disable-userns", "--cap-drop", "ALL", "--die-with-parent", "--new-session",
                 "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(SHARED_MEMORY_MB << 20), "--tmpfs", "/dev/shm",
                 "--perms", "0700", "--size", str(SCRATCH_MB << 20), "--tmpfs", "/tmp", "--chdir", "/tmp"]
    for path in _read_only_paths():
        if Path(path).is_symlink():  # /bin -> usr/bin on merged-/usr systems
            arguments += ["--symlink", os.readlink(path), path]
        else:
            arguments += ["--ro-bind", path, path]
    # Last, once every mount point exists: the sandbox's own root and /dev (tmpfs it would otherwise
    # own) become read-only; device nodes such as /dev/null stay usable on a read-only mount.
    return arguments + ["--remount-ro", "/dev", "--remount-ro", "/"]


def dataset_folders():
    """The data folder and the extraction cache as this process sees them, passed to the notebook by
    name: inside the sandbox its home is a private /tmp, where the default cache would be empty, and
    every submission would extract the IMDB archive again."""
    from emolib import cache_dir, data_dir

    return {"EMOLIB_DATA": str(data_dir()), "EMOLIB_CACHE": str(cache_dir())}


def scrubbed_environment(home="/tmp"):
    """Only what the kernel needs: no tokens, no instructor paths, fast mode on (as under nbgrader).
    ``home`` is the notebook's private folder: /tmp in the sandbox, a fresh folder without it."""
    keep = {name: os.environ[name] for name in ("LANG", "LC_ALL", "TZ") if name in os.environ}
    return {
        **keep,
        **dataset_folders(),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": home,
        "TMPDIR": home,
        "JUPYTER_RUNTIME_DIR": f"{home}/.jupyter-runtime",
        "JUPYTER_PLATFORM_DIRS": "1",
        "MPLCONFIGDIR": f"{home}/.matplotlib",
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "NBGRADER_EXECUTION": "autograde",
    }
