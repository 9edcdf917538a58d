"""The course's JupyterLab server extension: nbgrader's Validate button with the verdict first.

nbgrader's own dialog lists each failing test cell as its source and then its whole traceback, with no
count: a student with eight failures scrolls through pages to find out what is wrong. The dialog itself
is nbgrader's (its lab extension draws it); what it shows comes from this server. Here the first
failing cell opens with the verdict, ``VALIDATION FAILED ON N CELL(S)!`` as ``nbgrader validate`` prints
it, and one line per failing test: its name, its points and its diagnosis (the first sentences of
the course's message). Each cell's error then starts with the whole message; the traceback follows,
folded.

``make lab`` enables this extension in place of nbgrader's ``validate_assignment`` (see
``autograder/jupyter/jupyter_server_config.py``); both serve the same two addresses, so the lab
extension talks to either.
"""
import html
import re
import textwrap
import traceback
from pathlib import Path

from jupyter_server.utils import url_path_join
from nbconvert.filters import ansi2html, strip_ansi
from nbgrader.server_extensions.validate_assignment.handlers import NbGraderVersionHandler, ValidateAssignmentHandler
from nbgrader.validator import Validator
from tornado import web

from .mutation import CELL_FRAME


def failing_output(cell):
    """The error the cell raised, else what it wrote to stderr, else None."""
    outputs = cell.get("outputs", [])
    errors = [output for output in outputs if output.output_type == "error"]
    if errors:
        return errors[-1]
    return next((output for output in outputs if output.output_type == "stream" and output.name == "stderr"), None)


def diagnosis(cell):
    """One line that says what is wrong with a failing test cell."""
    output = failing_output(cell)
    if output is None:
        return "partial credit: some of its tests pass, not all"
    if output.output_type == "stream":
        return "it wrote to stderr: " + first_paragraph(output.text)
    if output.ename == "NotImplementedError":
        functions = [frame.group(2) for frame in CELL_FRAME.finditer(strip_ansi("\n".join(output.traceback)))
                     if frame.group(2)]
        where = f"`{functions[-1]}`" if functions else "an answer cell above"
        return f"{where} still says `raise NotImplementedError()`: write your answer there"
    return f"{output.ename}: {first_paragraph(output.evalue)}"


def first_paragraph(text, width=200):
    """The message's first paragraph on one line (the course wraps its messages), cut at a sentence's end
    when it is longer than ``width``."""
    paragraph = " ".join(strip_ansi(text).strip().split("\n\n")[0].split())
    if len(paragraph) <= width:
        return paragraph or "(no message)"
    ends = [match.end() for match in re.finditer(r"[.:;] ", paragraph[:width])]
    return paragraph[:ends[-1]].strip() if ends else paragraph[:width - 1] + "…"


def name_and_points(cell):
    nbgrader = cell.metadata.get("nbgrader", {})
    points = nbgrader.get("points", 0)
    return f"{nbgrader.get('grade_id', 'a test cell')} ({points:g} point{'s' if points != 1 else ''})"


class CourseValidator(Validator):
    """nbgrader's Validator whose ``failed`` entries lead with the verdict and the diagnosis."""

    def _get_failed_cells(self, nb):
        self.failed_cells = super()._get_failed_cells(nb)
        return self.failed_cells

    def validate(self, filename):
        self.failed_cells = []
        results = super().validate(filename)
        if results.get("failed"):
            results["failed"] = verdict_first(self.failed_cells)
        return results


def verdict_first(cells):
    """The ``failed`` entries nbgrader's dialog draws, one per failing cell: ``source`` (drawn as text)
    and ``error`` (drawn as HTML inside a <pre>)."""
    count = len(cells)
    verdict = "\n".join([f"VALIDATION FAILED ON {count} CELL(S)!",
                         *(textwrap.fill(f"✗ {name_and_points(cell)}: {diagnosis(cell)}", width=100,
                                         initial_indent="  ", subsequent_indent="    ") for cell in cells),
                         "",
                         "Each failing cell follows with its whole message. (Run All stops at the first failing cell; Validate runs them all.)",
                         ""])
    entries = []
    for number, cell in enumerate(cells, start=1):
        header = f"{number} of {count}: {name_and_points(cell)}"
        output = failing_output(cell)
        if output is not None and output.output_type == "error":
            message = html.escape(strip_ansi(f"{output.ename}: {output.evalue}"))
            details = ansi2html("\n".join(output.traceback))
            error = f"<b>{message}</b>\n\n<details><summary>the traceback</summary>{details}</details>"
        else:
            error = html.escape(diagnosis(cell) if output is None else strip_ansi(output.text))
        entries.append({"source": (verdict if number == 1 else "") + header + "\n\n" + cell.source.strip(),
                        "error": error})
    return entries


class CourseValidateHandler(ValidateAssignmentHandler):
    """nbgrader's handler, validating with ``CourseValidator``."""

    def validate_notebook(self, path):
        root = Path(self.root_dir).resolve()
        target = (root / path).resolve()
        if not target.is_relative_to(root):
            raise web.HTTPError(403, "Access denied: path outside allowed directory")
        try:
            return {"success": True, "value": CourseValidator(config=self.load_config()).validate(str(target))}
        except Exception:  # shown in the dialog, as nbgrader's handler does
            self.log.error(traceback.format_exc())
            return {"success": False, "value": traceback.format_exc()}


def _jupyter_server_extension_points():
    return [{"module": "autograder.lab"}]


def _load_jupyter_server_extension(serverapp):
    base_url = serverapp.web_app.settings["base_url"]
    serverapp.web_app.settings["root_dir"] = serverapp.root_dir  # where nbgrader's handler reads it
    serverapp.web_app.add_handlers(".*$", [(url_path_join(base_url, "/assignments/validate"), CourseValidateHandler),
                                           (url_path_join(base_url, "/nbgrader_version"), NbGraderVersionHandler)])
    serverapp.log.info("autograder.lab: Validate leads with the verdict")
