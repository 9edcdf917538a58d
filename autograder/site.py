"""``python -m autograder site [LESSON ...]``: the course as a static website, for self-study readers.

One page per lesson, made from its executed *solution* notebook without nbgrader's hidden tests, an
index page, a table of contents, previous/next links and search, built with Jupyter Book 1 (Sphinx,
MyST-NB and sphinx-book-theme). Everything the pages load comes from the site itself, MathJax included
(sphinx-mathjax-offline), so the site works without a network; Jupyter Book's sphinx-thebe, which would
load its script from a CDN to run cells on a Binder kernel, is left out. Jupyter Book 2 is not used: its
HTML build downloads its theme from the network at build time.

Where each page's outputs come from, so that no lesson is executed twice for the same purpose:

1. notebooks the caller gives (the test suite passes the ones grading has just executed);
2. ``work/executed/<id>.ipynb``, written by ``make bench`` (``execute --full``), when it is current;
3. a fast-mode copy kept in ``work/site/executed/``, when it is current;
4. otherwise the solution is executed now in fast mode, lessons in parallel, one worker per core.

A copy is current when the solution notebook's cells have not changed since it was executed (see
``autograder.execute.solution_digest``). Each page says at its top whether its outputs are from fast
mode or the full data.

Every Sphinx warning fails the build (a missing image, a broken cross reference, a notebook MyST-NB
cannot read): each one means a page shows something wrong or nothing. All are listed in the error.
"""
import copy
import io
import multiprocessing
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import redirect_stderr
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

from . import course
from .execute import execute, execution_record, solution_digest

SITE_DIR = course.DEFAULT_WORKDIR / "site"
TITLE = "Emotion recognition with deep learning"

MODE_NOTES = {
    "fast": "The outputs on this page come from running the notebook in **fast mode**: a sample of the "
            "data and fewer epochs, the way grading runs it, so its numbers are not the ones the text quotes "
            "for the full data. `make bench` runs the lessons on the full data; `make site` then shows those.",
    "full": "The outputs on this page come from running the notebook on the **full data** (`make bench`): "
            "they are the runs the text's numbers describe.",
}

INTRODUCTION = """\
A course that takes you from NumPy implementations of softmax, cross-entropy, convolution, pooling and
GRU gates, every gradient derived by hand and checked numerically, up to Keras sentiment models on the
real IMDB reviews and on Chinese reviews segmented with jieba, then to emotions: several labels at
once, attention and a Transformer encoder built by hand, and explanations of a model's predictions
checked by their properties.

These pages are the lessons' reference solutions, executed, with their plots and printed results. To
do the exercises yourself, open the student versions in `lessons/` of the course's repository with
`make lab`: every exercise there has tests that tell you what is wrong.
"""


# The site's icon, written beside the pages: without one, every page load asks the server for a
# /favicon.ico it does not have, and the browser reports the 404 as an error.
FAVICON = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<circle cx="16" cy="16" r="15" fill="#f5c542" stroke="#6b4e00" stroke-width="2"/>
<circle cx="11" cy="12" r="2" fill="#6b4e00"/><circle cx="21" cy="12" r="2" fill="#6b4e00"/>
<path d="M9 19 q7 7 14 0" fill="none" stroke="#6b4e00" stroke-width="2"/></svg>
"""


class SiteError(Exception):
    """The site cannot be built; the message says which lesson or page, what is wrong, and what to do."""


@dataclass
class Executed:
    notebook: nbformat.NotebookNode
    mode: str        # "fast" or "full"
    origin: str      # where it came from, for the build's report


@dataclass
class Site:
    html: Path               # the folder holding index.html
    pages: dict              # {assignment id: Executed}: what each lesson's page shows
    seconds: float


def build_site(assignment_ids=None, executed=None, executed_mode="fast", site_dir=SITE_DIR, workers=None,
               log=print):
    """Build the website into ``site_dir/html``.

    Args:
        assignment_ids: the lessons to publish, put in course order (default: those in ``executed`` when
            it is given, else every lesson).
        executed: {assignment id: executed notebook} to use as they are (e.g. the notebooks grading has
            executed); each must have been executed from the current solution, without an error.
        executed_mode: the mode the ``executed`` notebooks ran in, "fast" or "full".
        site_dir: the site's working folder: ``executed/`` (the fast-mode copies kept), ``book/`` (the
            Jupyter Book's sources), ``html/`` (the site).
        workers: lessons executed at once when some must be (default: one per core).
    Returns a Site. Raises SiteError.
    """
    start = time.perf_counter()
    executed = executed or {}
    every = course.assignment_ids()
    assignment_ids = sorted(assignment_ids or executed or every)  # course order: the ids start with the number
    unknown = [assignment_id for assignment_id in assignment_ids if assignment_id not in every]
    if unknown:
        raise SiteError(f"no such lesson: {', '.join(unknown)} (the lessons are {', '.join(every)})")
    site_dir = Path(site_dir)
    pages = {assignment_id: Executed(executed[assignment_id], executed_mode, "given by the caller")
             for assignment_id in assignment_ids if assignment_id in executed}
    for assignment_id in assignment_ids:
        if assignment_id not in pages:
            found = current_copy(assignment_id, [course.DEFAULT_WORKDIR / "executed", site_dir / "executed"])
            if found is not None:
                pages[assignment_id] = found
    missing = [assignment_id for assignment_id in assignment_ids if assignment_id not in pages]
    if missing:
        log(f"executing in fast mode: {', '.join(missing)}")
        pages.update(execute_in_parallel(missing, site_dir / "executed", workers or os.cpu_count() or 1, log))
    pages = {assignment_id: pages[assignment_id] for assignment_id in assignment_ids}
    for assignment_id, page in pages.items():
        check_executed(assignment_id, page)
    html = site_dir / "html"
    run_sphinx(write_book(site_dir / "book", pages), html)
    return Site(html, pages, time.perf_counter() - start)


def current_copy(assignment_id, folders):
    """The first executed copy of the lesson in ``folders`` that the current solution would make, else None."""
    digest = solution_digest(read_notebook(course.solution_notebook(assignment_id), assignment_id))
    for folder in folders:
        path = Path(folder) / f"{assignment_id}.ipynb"
        if not path.is_file():
            continue
        notebook = read_notebook(path, assignment_id)
        record = execution_record(notebook)
        if record.get("solution_digest") == digest:
            return Executed(notebook, record["mode"], str(path))
    return None


def read_notebook(path, assignment_id):
    try:
        return nbformat.read(path, as_version=4)
    except FileNotFoundError:
        raise SiteError(f"{assignment_id}: {path} does not exist: run `make lessons` to build the solution "
                        "notebooks from their sources") from None
    except Exception as error:  # nbformat raises JSON, validation and encoding errors of many classes
        raise SiteError(f"{assignment_id}: {path} is not a readable notebook ({type(error).__name__}: {error}). "
                        f"Delete it: the site then executes the lesson again (or write it again with "
                        f"`python -m autograder execute --full {assignment_id}`).") from None


def execute_fast(assignment_id, output_dir):
    """Run in a worker process: (seconds, None), or (None, why it failed) when a cell raised."""
    try:
        seconds, _ = execute(assignment_id, full=False, output_dir=output_dir)
    except Exception as error:  # nbclient's CellExecutionError, a dead kernel, a timeout: reported, not pickled
        return None, f"{type(error).__name__}: {error}"
    return seconds, None


def execute_in_parallel(assignment_ids, output_dir, workers, log):
    """Execute solutions in fast mode, ``workers`` kernels at a time; {assignment id: Executed}."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(assignment_ids)), mp_context=context) as pool:
        futures = {assignment_id: pool.submit(execute_fast, assignment_id, output_dir)
                   for assignment_id in assignment_ids}
        failures, pages = [], {}
        for assignment_id, future in futures.items():
            seconds, failure = future.result()
            if failure:
                failures.append(f"{assignment_id}: its solution fails in fast mode: {failure}")
                continue
            path = Path(output_dir) / f"{assignment_id}.ipynb"
            log(f"  {assignment_id}: executed in {seconds:.0f} s")
            pages[assignment_id] = Executed(read_notebook(path, assignment_id), "fast", str(path))
    if failures:
        raise SiteError("\n".join(failures) + "\nFix the solution (`python -m autograder execute LESSON` shows "
                                              "its output), then build the site again.")
    return pages


def check_executed(assignment_id, page):
    """A page must show the current solution's run, complete: no stale text, no traceback."""
    solution = read_notebook(course.solution_notebook(assignment_id), assignment_id)
    if solution_digest(page.notebook) != solution_digest(solution):
        raise SiteError(f"{assignment_id}: the executed notebook ({page.origin}) does not hold the current "
                        f"solution's cells: it was executed from an older version or another lesson. "
                        f"Execute it again from solutions/{assignment_id}/{assignment_id}.ipynb.")
    if page.mode not in MODE_NOTES:
        raise SiteError(f"{assignment_id}: unknown execution mode {page.mode!r} ({page.origin}): "
                        f"expected one of {', '.join(MODE_NOTES)}")
    for index, cell in enumerate(page.notebook.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                raise SiteError(f"{assignment_id}: cell {index} of the executed notebook ({page.origin}) raised "
                                f"{output.ename}: {output.evalue}. Its page would show a traceback instead of "
                                f"the lesson's results: fix the solution and execute it again.")


def page_notebook(page):
    """The notebook a lesson's page shows: the hidden tests removed by nbgrader's own preprocessor, and
    a note right under the title saying which data the outputs come from."""
    from nbgrader.preprocessors import ClearHiddenTests

    notebook = copy.deepcopy(page.notebook)
    notebook, _ = ClearHiddenTests(config=course.nbgrader_config()).preprocess(notebook, {})
    title_cell = notebook.cells[title_index(notebook)]
    title, _, text = title_cell.source.partition("\n")
    note = f"```{{note}}\n:class: execution-mode\n{MODE_NOTES[page.mode]}\n```"
    title_cell.source = f"{title}\n\n{note}\n{text}"
    return notebook


def title_index(notebook):
    """The index of a lesson's title cell: the first Markdown cell, starting with a level-1 heading."""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            if cell.source.startswith("# "):
                return index
            break
    raise SiteError("a lesson notebook does not start with its title (a Markdown cell starting with '# ')")


def lesson_title(notebook):
    return notebook.cells[title_index(notebook)].source.partition("\n")[0][2:].strip()


def write_book(book, pages):
    """The Jupyter Book's sources: configuration, table of contents, index page and one notebook per lesson."""
    shutil.rmtree(book, ignore_errors=True)
    book.mkdir(parents=True)
    for assignment_id, page in pages.items():
        nbformat.write(page_notebook(page), book / f"{assignment_id}.ipynb")
    lessons = "\n".join(f"1. [{lesson_title(page.notebook)}]({assignment_id}.ipynb)"
                        for assignment_id, page in pages.items())
    (book / "index.md").write_text(f"# {TITLE}\n\n{INTRODUCTION}\n## The lessons\n\n{lessons}\n")
    toc = {"format": "jb-book", "root": "index",
           "parts": [{"caption": "Lessons", "chapters": [{"file": assignment_id} for assignment_id in pages]}]}
    (book / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
    (book / "_config.yml").write_text(yaml.safe_dump(book_config(), sort_keys=False))
    (book / "favicon.svg").write_text(FAVICON)
    return book


def book_config():
    """Jupyter Book's _config.yml: nothing executed at build time, nothing loaded from another host."""
    from jupyter_book.config import get_default_sphinx_config

    # sphinx-thebe runs cells on a Binder kernel, from a script it loads from a CDN: a static site
    # has no kernel to run them on (and Sphinx 7.4 writes its inline script twice, a console error
    # on every page). MathJax comes from the site's own _static/mathjax, not from a CDN.
    extensions = [extension for extension in get_default_sphinx_config()["extensions"] if extension != "sphinx_thebe"]
    return {
        "title": TITLE,
        "author": "the course's authors",
        "only_build_toc_files": True,
        "execute": {"execute_notebooks": "off"},
        "html": {"use_multitoc_numbering": False, "home_page_in_navbar": True, "favicon": "favicon.svg"},
        "sphinx": {
            # the theme's colour mode must be named, else its script logs an error on every page; light
            # suits the plots, drawn on white
            "config": {"extensions": extensions + ["sphinx-mathjax-offline"], "html_show_copyright": False,
                       "html_last_updated_fmt": None, "html_context": {"default_mode": "light"}},
        },
    }


def run_sphinx(book, html):
    """Build the HTML with Jupyter Book's Sphinx entry point; every warning fails the build."""
    from jupyter_book.sphinx import build_sphinx
    from sphinx.util.console import strip_escape_sequences

    shutil.rmtree(html, ignore_errors=True)
    messages = io.StringIO()
    with redirect_stderr(messages):
        status = build_sphinx(book, html, path_config=book / "_config.yml", freshenv=True, quiet=True, noconfig=True,
                              warningiserror=True, keep_going=True, doctreedir=book.parent / "doctrees",
                              confoverrides={"external_toc_path": str(book / "_toc.yml"), "nitpicky": True,
                                             "latex_individualpages": False})
    if status != 0:
        raise SiteError(f"Sphinx did not build the site from {book} (every warning fails it: each means a page "
                        f"shows something wrong):\n{strip_escape_sequences(messages.getvalue()).strip() or status}")


def command_site(args):
    """The CLI verb: build, then say where each page's outputs came from and how to open the site."""
    try:
        site = build_site(args.lessons or None, workers=args.workers)
    except SiteError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for assignment_id, page in site.pages.items():
        print(f"{assignment_id}: {page.mode} mode, from {page.origin}")
    print(f"site built in {site.seconds:.0f} s: {len(site.pages)} lesson page(s) in {site.html}\n"
          f"open {site.html / 'index.html'}, or serve it: python -m http.server -d {site.html}")
    return 0
