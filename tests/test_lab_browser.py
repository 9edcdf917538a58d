"""JupyterLab as `make lab` starts it, used in headless Chromium the way a student and an instructor use
it: a lesson opens with its math typeset and its locked cells marked, a cell runs, Validate gives the
verdict first, and the formgrader lists the course's lessons and opens what its links point at.

The notebooks a student would hand in are written to work/lab-test/ (the lab's root is the course's
top folder), never over the committed lessons. Screenshots of every step are kept in work/screenshots/.
"""
import copy
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_output

from autograder import course
from autograder.lab import verdict_first
from autograder.mutants import apply, catalogue
from browser import ROOT

LESSON = "01_softmax"
WORKSPACE = ROOT / "work" / "lab-test"
# The demo mutant of lesson 01's earlier exercise: a BCE gradient not divided by N.
BUG = "BCE gradient not divided by N"


def handed_in(mutant=None):
    """The student version of lesson 01 with every answer filled in from the solution (with one
    mutant's bug, if given): what a student hands in, without the hidden tests."""
    solution = nbformat.read(course.solution_notebook(LESSON), as_version=4)
    if mutant is not None:
        solution = apply(solution, next(m for m in catalogue(LESSON) if m.name == mutant))
    answers = {cell.metadata["nbgrader"]["grade_id"]: cell.source for cell in solution.cells
               if cell.metadata.get("nbgrader", {}).get("solution")}
    notebook = copy.deepcopy(nbformat.read(course.release_notebook(LESSON), as_version=4))
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return notebook


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def lab():
    """`make lab` on a free port with a token; yields its base URL and the token."""
    WORKSPACE.mkdir(parents=True, exist_ok=True)
    nbformat.write(handed_in(), WORKSPACE / "finished.ipynb")
    nbformat.write(handed_in(BUG), WORKSPACE / "buggy.ipynb")
    port, token = free_port(), secrets.token_hex(16)
    arguments = f"--no-browser --port={port} --IdentityProvider.token={token}" + (" --allow-root" if os.geteuid() == 0 else "")
    log = open(WORKSPACE / "lab.log", "w")
    server = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_ARGS={arguments}"], cwd=ROOT,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"make lab did not start (exit {server.poll()}); its log: {WORKSPACE / 'lab.log'}")
                time.sleep(0.5)
        yield base, token
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


def open_notebook(page, lab, name):
    base, token = lab
    page.goto(f"{base}/lab/tree/work/lab-test/{name}?reset&token={token}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)


def validate(page):
    page.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate", exact=True).click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=300_000)
    return dialog.inner_text()


@pytest.mark.browser
def test_a_student_opens_a_lesson_runs_a_cell_and_validates(lab, page, shots):
    open_notebook(page, lab, "finished.ipynb")
    page.wait_for_selector(".jp-MarkdownCell mjx-container", timeout=60_000)
    shots(page, "lesson open, math typeset")
    assert "$" not in page.locator(".jp-MarkdownCell").first.inner_text(), "the lesson's math is shown raw"

    # The locked cells are marked and read-only: the tests and the one that loads the reference values.
    labels = page.evaluate("""() => Array.from(document.querySelectorAll('.jp-CodeCell .cm-editor.jp-mod-readOnly'))
        .map(editor => [getComputedStyle(editor, '::before').content, editor.innerText])""")
    assert labels, "no cell of the lesson is read-only: nbgrader's locked cells should be"
    assert all("locked cell" in label for label, _ in labels), f"a read-only cell carries no 'locked' label: {labels[:2]}"
    assert any("REFERENCE = checks.load_fixture" in source for _, source in labels), \
        "the cell that loads REFERENCE can be edited (and deleted): it should be locked"
    assert any("checks.assert_close(sigmoid(" in source for _, source in labels), "the sigmoid's test cell is not locked"

    first_code = page.locator(".jp-CodeCell").first
    first_code.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    first_code.locator(".jp-OutputArea-output").wait_for(timeout=120_000)
    assert "mode" in first_code.locator(".jp-OutputArea-output").first.inner_text()
    shots(page, "set-up cell run")

    verdict = validate(page)
    shots(page, "validated")
    assert "Success! Your notebook passes all the tests." in verdict, verdict[:2000]


@pytest.mark.browser
def test_validate_shows_the_verdict_and_diagnosis_before_any_code(lab, page, shots):
    open_notebook(page, lab, "buggy.ipynb")
    verdict = validate(page)
    shots(page, "validated with a bug")
    assert "VALIDATION FAILED ON 1 CELL(S)!" in verdict, verdict[:2000]
    summary = ("✗ test_sigmoid_bce_loss (2 points): AssertionError: dz is wrong: it matches what this common bug "
               "gives: the gradient is not divided by N (the loss is a mean).")
    assert summary in " ".join(verdict.split()), verdict[:2000]  # the summary lines are wrapped
    assert "not divided by N" in verdict.split("case = REFERENCE")[0], "the diagnosis does not come before the test's code"
    assert verdict.index("VALIDATION FAILED") < verdict.index("case = REFERENCE"), verdict[:2000]


@pytest.mark.browser
def test_the_formgrader_lists_the_lessons_and_its_links_open_them(lab, page, shots):
    base, token = lab
    page.goto(f"{base}/lab?reset&token={token}")
    page.wait_for_selector("#jp-main-dock-panel", timeout=90_000)
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    menu = page.locator(".lm-Menu").inner_text()
    shots(page, "nbgrader menu")
    # The exchange's panels are off (a course on one machine has its lessons in lessons/).
    assert "Assignment List" not in menu and "Courses" not in menu, menu
    page.locator(".lm-Menu-itemLabel").get_by_text("Formgrader", exact=True).click()

    page.locator("iframe[src*='formgrader']").wait_for(timeout=60_000)
    frame = page.locator("iframe[src*='formgrader']").element_handle().content_frame()
    for assignment_id in course.assignment_ids():
        frame.get_by_role("link", name=assignment_id, exact=True).wait_for(timeout=60_000)
    shots(page, "formgrader lists the lessons")
    assert "Loading, please wait" not in frame.inner_text("body")
    assert "exchange directory" not in frame.inner_text("body"), "the formgrader says the exchange is missing"

    browser_path = page.locator(".jp-FileBrowser .jp-BreadCrumbs")
    frame.get_by_role("link", name=LESSON, exact=True).click()
    page.wait_for_function("() => document.querySelector('.jp-FileBrowser .jp-BreadCrumbs').innerText.includes('solutions')")
    assert page.locator(".jp-FileBrowser .jp-DirListing-itemText", has_text=f"{LESSON}.ipynb").count() == 1
    shots(page, "the lesson's name opens its source folder")

    row = frame.locator("tr", has=frame.get_by_role("link", name=LESSON, exact=True))
    row.locator("td.preview a").click()  # Preview: the student version
    page.wait_for_function("() => document.querySelector('.jp-FileBrowser .jp-BreadCrumbs').innerText.includes('lessons')")
    assert LESSON in browser_path.inner_text()
    assert page.locator(".jp-FileBrowser .jp-DirListing-itemText", has_text=f"{LESSON}.ipynb").count() == 1
    shots(page, "preview opens the student version's folder")
    assert not [problem for problem in page.problems if "formgrader" in problem], page.problems


def test_the_verdict_names_the_function_a_student_has_not_written_yet():
    error = new_output("error", ename="NotImplementedError", evalue="",
                       traceback=["\x1b[0;31mNotImplementedError\x1b[0m Traceback",
                                  "Cell \x1b[0;32mIn[7], line 3\x1b[0m, in \x1b[0;36mtest\x1b[0m",
                                  "Cell \x1b[0;32mIn[5], line 11\x1b[0m, in \x1b[0;36msoftmax\x1b[0;34m(z)\x1b[0m"])
    failing = new_code_cell("softmax(z)", outputs=[error], metadata={"nbgrader": {"grade_id": "test_softmax", "points": 2}})
    entries = verdict_first([failing, failing])
    assert entries[0]["source"].startswith("VALIDATION FAILED ON 2 CELL(S)!\n")
    assert "✗ test_softmax (2 points): `softmax` still says `raise NotImplementedError()`" in entries[0]["source"]
    assert entries[1]["source"].startswith("2 of 2: test_softmax (2 points)"), "only the first entry carries the verdict"


def test_a_fresh_clone_gets_the_gradebook_folder_and_the_exchange(tmp_path):
    """nbgrader creates neither: without work/ every formgrader call failed with an error 500."""
    from traitlets.config.loader import PyFileConfigLoader

    config_copy = tmp_path / "autograder" / "nbgrader_config.py"
    config_copy.parent.mkdir()
    config_copy.write_text((ROOT / "autograder" / "nbgrader_config.py").read_text())
    config = PyFileConfigLoader(config_copy.name, path=str(config_copy.parent)).load_config()
    assert (tmp_path / "work").is_dir()
    assert Path(config.Exchange.root) == tmp_path / "work" / "exchange" and Path(config.Exchange.root).is_dir()
