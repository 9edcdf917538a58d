"""The course as a website (``autograder.site``, ``make site``).

The site is built once, from the reference notebooks grading has just executed in fast mode (the
``graded`` fixture), served over HTTP and read in headless Chromium: every lesson page loads with no
console error and no failed request, its math is typeset by the MathJax the site serves itself, its
images are there, its previous/next and table-of-contents links lead to pages of the site, and search
finds it. The cheap tests below them build nothing: where outputs come from and the errors a reader
of ``make site`` gets.
"""
import functools
import http.server
import re
import threading
from html import unescape
from urllib.parse import urljoin, urlparse

import nbformat
import pytest

from autograder import course
from autograder.__main__ import main
from autograder.execute import EXECUTED_KEY, solution_digest
from autograder.preprocessors import HIDDEN_TESTS
from autograder.site import Executed, SiteError, build_site, current_copy, page_notebook, run_sphinx, write_book
from realdata import executes_notebooks, lessons_under_test

LESSONS = lessons_under_test()


def solution(assignment_id):
    return nbformat.read(course.solution_notebook(assignment_id), as_version=4)


@pytest.fixture(scope="module")
def site(graded, tmp_path_factory):
    """The site of the lessons under test, built from the reference notebooks as grading executed them."""
    executed = {assignment_id: graded[assignment_id].autograded("reference", assignment_id) for assignment_id in graded}
    built = build_site(executed=executed, executed_mode="fast", site_dir=tmp_path_factory.mktemp("site"),
                       log=lambda message: None)
    print(f"site of {len(executed)} lesson(s) built in {built.seconds:.1f} s")
    return built


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(site):
    """The site served by http.server on a free port, in a thread; its base URL."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(QuietHandler, directory=str(site.html)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def open_page(page, url):
    """Load a page and wait until MathJax has typeset it (the site's own MathJax; none on some pages)."""
    page.goto(url, wait_until="load")
    page.wait_for_function("() => !window.MathJax || (MathJax.startup && MathJax.startup.promise)")
    page.evaluate("() => window.MathJax ? MathJax.startup.promise.then(() => true) : true")


def internal_page(server, page, href, where):
    """Assert that a link leads to an HTML page of this site that answers 200; its path."""
    url = urljoin(page.url, href)
    assert url.startswith(server), f"{where}: the link {href!r} leaves the site ({url})"
    response = page.request.get(url)
    assert response.status == 200, f"{where}: the link {href!r} answers {response.status}"
    assert "text/html" in response.headers.get("content-type", ""), f"{where}: the link {href!r} is not a page"
    return urlparse(url).path


@pytest.mark.browser
@executes_notebooks
@pytest.mark.parametrize("assignment_id", LESSONS)
def test_a_lesson_page_loads_typesets_its_math_shows_its_images_and_links_to_its_neighbours(
        assignment_id, site, server, page, shots):
    index = LESSONS.index(assignment_id)
    open_page(page, f"{server}{assignment_id}.html")
    shots(page, f"{assignment_id} loaded")
    assert page.problems == [], f"{assignment_id}.html: {page.problems}"

    assert "fast mode" in page.locator(".execution-mode").inner_text(), \
        f"{assignment_id}.html does not say at its top that its outputs are from fast mode"

    math = page.evaluate("""() => {
        const article = document.querySelector('article');
        const formulas = article.querySelectorAll('.math');
        const untypeset = [...formulas].filter(f => !f.querySelector('mjx-container')).map(f => f.textContent.slice(0, 80));
        const prose = article.cloneNode(true);
        prose.querySelectorAll('pre, code, mjx-container, script, .cell_output').forEach(e => e.remove());
        return {formulas: formulas.length, typeset: article.querySelectorAll('mjx-container').length,
                untypeset, prose: prose.textContent};
    }""")
    assert math["formulas"] > 0 and math["typeset"] >= math["formulas"], \
        f"{assignment_id}.html: {math['typeset']} of {math['formulas']} formulas typeset by MathJax"
    assert math["untypeset"] == [], f"{assignment_id}.html: formulas left as TeX: {math['untypeset'][:3]}"
    raw = re.findall(r"\$[^$\s][^$]*\$|\\frac|\\\(|\\\[", math["prose"])
    assert raw == [], f"{assignment_id}.html: TeX left in the text: {raw[:5]}"
    page.locator("article mjx-container").filter(visible=True).first.scroll_into_view_if_needed()
    shots(page, f"{assignment_id} math")

    images = page.evaluate("""() => [...document.querySelectorAll('article img')].map(
        img => ({src: img.getAttribute('src'), width: img.complete ? img.naturalWidth : 0}))""")
    empty = [image["src"] for image in images if image["width"] == 0]
    assert empty == [], f"{assignment_id}.html: images that did not load: {empty}"
    if images:
        page.locator("article img").filter(visible=True).first.scroll_into_view_if_needed()
        shots(page, f"{assignment_id} first image")

    previous = page.locator("a.left-prev").get_attribute("href")
    expected_previous = f"/{LESSONS[index - 1]}.html" if index else "/index.html"
    assert internal_page(server, page, previous, f"{assignment_id}.html's previous link") == expected_previous
    following = page.locator("a.right-next")
    if index + 1 < len(LESSONS):
        assert internal_page(server, page, following.get_attribute("href"),
                             f"{assignment_id}.html's next link") == f"/{LESSONS[index + 1]}.html"
    else:
        assert following.count() == 0, f"{assignment_id}.html, the last lesson, has a next link"
    toc = page.locator("nav.bd-docs-nav a.reference.internal")
    targets = [internal_page(server, page, toc.nth(n).get_attribute("href"), f"{assignment_id}.html's table of contents")
               for n in range(toc.count())]
    assert targets == ["/index.html"] + [f"/{lesson}.html" for lesson in LESSONS], \
        f"{assignment_id}.html: the table of contents lists {targets}, not the index and the lessons in order"

    word = max(re.findall(r"[a-z]+", page.title().split(":", 1)[-1].split("—")[0].lower()), key=len)
    open_page(page, f"{server}search.html?q={word}")
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=30_000)
    found = [urlparse(urljoin(page.url, results.nth(n).get_attribute("href"))).path for n in range(results.count())]
    shots(page, f"{assignment_id} search {word}")
    assert f"/{assignment_id}.html" in found, f"searching {word!r} does not find {assignment_id}.html: {found}"
    assert page.problems == [], f"{assignment_id}: {page.problems}"


@pytest.mark.browser
@executes_notebooks
def test_the_index_page_lists_the_lessons_in_order(site, server, page, shots):
    open_page(page, server)
    shots(page, "index")
    assert page.problems == [], page.problems
    links = page.locator("article ol a.reference.internal")
    targets = [internal_page(server, page, links.nth(n).get_attribute("href"), "the index's list of lessons")
               for n in range(links.count())]
    assert targets == [f"/{lesson}.html" for lesson in LESSONS], f"the index lists {targets}"


@executes_notebooks
def test_no_page_shows_a_hidden_test(site):
    """Every line of every hidden test block is absent from its lesson's page (unless the visible part
    of the lesson has the same line)."""
    for assignment_id in LESSONS:
        html = (site.html / f"{assignment_id}.html").read_text()
        text = unescape(re.sub(r"<[^>]+>", "", html))  # the code as the reader sees it, highlighting removed
        visible = "\n".join(page_cell.source for page_cell in page_notebook(site.pages[assignment_id]).cells)
        hidden = {line.strip() for block in HIDDEN_TESTS.findall("\n".join(c.source for c in solution(assignment_id).cells))
                  for line in block.splitlines() if len(line.strip()) > 25 and line.strip() not in visible}
        assert hidden, f"{assignment_id} has no hidden test lines to look for"
        shown = [line for line in hidden if line in text]
        assert "HIDDEN TESTS" not in html and shown == [], f"{assignment_id}.html shows hidden tests: {shown[:3]}"


def recorded(notebook, mode, digest):
    notebook = nbformat.from_dict(notebook)
    notebook.metadata[EXECUTED_KEY] = {"mode": mode, "solution_digest": digest}
    return notebook


def test_an_executed_copy_is_reused_only_while_its_solution_is_unchanged(tmp_path):
    reference = solution("01_softmax")
    edited = nbformat.from_dict(reference)
    edited.cells[0].source += "\nA sentence the solution had when this copy was executed."
    full, cached = tmp_path / "executed", tmp_path / "site-executed"
    full.mkdir(), cached.mkdir()
    nbformat.write(recorded(reference, "fast", solution_digest(edited)), full / "01_softmax.ipynb")
    assert current_copy("01_softmax", [full]) is None, "a copy executed from an older solution was reused"
    nbformat.write(recorded(reference, "fast", solution_digest(reference)), cached / "01_softmax.ipynb")
    found = current_copy("01_softmax", [full, cached])
    assert (found.mode, found.origin) == ("fast", str(cached / "01_softmax.ipynb"))
    nbformat.write(recorded(reference, "full", solution_digest(reference)), full / "01_softmax.ipynb")
    found = current_copy("01_softmax", [full, cached])
    assert (found.mode, found.origin) == ("full", str(full / "01_softmax.ipynb")), "the full-data copy comes first"
    unrecorded = nbformat.from_dict(reference)
    nbformat.write(unrecorded, full / "01_softmax.ipynb")
    assert current_copy("01_softmax", [full]) is None, "a copy with no record of its execution was reused"


def test_a_page_has_no_hidden_test_and_says_where_its_outputs_come_from():
    for assignment_id in course.assignment_ids():
        reference = solution(assignment_id)
        assert HIDDEN_TESTS.search("\n".join(cell.source for cell in reference.cells)), assignment_id
        shown = page_notebook(Executed(reference, "full", "test"))
        assert not any("HIDDEN TESTS" in cell.source for cell in shown.cells), assignment_id
        title, _, text = reference.cells[0].source.partition("\n")
        page_title = shown.cells[0].source
        assert page_title.startswith(f"{title}\n\n```{{note}}\n:class: execution-mode\n"), assignment_id
        assert "**full data**" in page_title.split("```")[1] and page_title.endswith(text), assignment_id


def test_a_missing_lesson_or_a_broken_executed_notebook_gets_a_clear_error(tmp_path):
    with pytest.raises(SiteError, match=r"no such lesson: 99_missing \(the lessons are 01_softmax"):
        build_site(["99_missing"], site_dir=tmp_path)
    with pytest.raises(SystemExit) as exit:
        main(["site", "99_missing"])
    assert exit.value.code == 2

    (tmp_path / "01_softmax.ipynb").write_text('{"cells": [')
    with pytest.raises(SiteError, match=r"01_softmax: .*01_softmax.ipynb is not a readable notebook .*Delete it"):
        current_copy("01_softmax", [tmp_path])

    failed = recorded(solution("01_softmax"), "fast", "")
    failed.cells[1].outputs = [nbformat.v4.new_output("error", ename="ValueError", evalue="shapes do not match",
                                                      traceback=[])]
    with pytest.raises(SiteError, match=r"01_softmax: cell 1 of the executed notebook \(given by the caller\) "
                                        r"raised ValueError: shapes do not match"):
        build_site(executed={"01_softmax": failed}, site_dir=tmp_path)

    stale = nbformat.from_dict(solution("01_softmax"))
    stale.cells[0].source += " (an older wording)"
    with pytest.raises(SiteError, match=r"01_softmax: the executed notebook \(given by the caller\) does not hold "
                                        r"the current solution's cells"):
        build_site(executed={"01_softmax": stale}, site_dir=tmp_path)


def test_a_sphinx_warning_fails_the_build_and_is_shown(tmp_path):
    """A page that shows something broken (here a missing image and a link to no page) stops the build,
    and the error lists Sphinx's warnings."""
    notebook = solution("01_softmax")
    notebook.cells.append(nbformat.v4.new_markdown_cell("![the learning curve](learning_curve.png), as in "
                                                        "[lesson 99](99_missing.ipynb)"))
    book = write_book(tmp_path / "book", {"01_softmax": Executed(notebook, "fast", "test")})
    with pytest.raises(SiteError, match=r"every warning fails it") as error:
        run_sphinx(book, tmp_path / "html")
    assert "WARNING: image file not readable: learning_curve.png" in str(error.value), error.value
    assert "cross-reference target not found: '99_missing.ipynb'" in str(error.value), error.value
    assert "\x1b[" not in str(error.value), "the message keeps the terminal's colour codes"
