"""nbgrader preprocessors the course adds to nbgrader's autograde and feedback pipelines
(see nbgrader_config.py)."""
import json
import re
from pathlib import Path

import nbformat
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Float, Integer, List, Unicode


class StderrIsNotFailure(NbGraderPreprocessor):
    """Keep a grade cell's points when it printed to stderr but raised nothing.

    nbgrader treats any stderr output of a test cell as a failure. Warnings are not failures, so this
    relabels the stderr streams of grade cells as stdout, each line marked "[stderr]" so that the
    feedback still shows where it came from. Errors (``output_type == "error"``) are left alone.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code" and utils.is_grade(cell):
            for output in cell.outputs:
                if output.output_type == "stream" and output.name == "stderr":
                    output.name = "stdout"
                    output.text = "".join(f"[stderr] {line}" for line in output.text.splitlines(keepends=True))
        return cell, resources


class SandboxedExecute(NbGraderPreprocessor):
    """Replaces nbgrader's ``Execute``: the submission's own cells run in the student's kernel (in
    bubblewrap when it can), its test cells in a judge kernel outside it (judge.py), with the limits
    below, so that a crash, a loop or a memory bomb costs the affected cells, with the reason in their
    output, and never the grader. nbgrader still restores the locked cells and hidden tests before this
    step and scores the executed notebook after it.
    """

    wall_seconds = Float(600.0, help="Wall time of one notebook, restarts included").tag(config=True)
    cell_seconds = Float(300.0, help="Time of one cell; a cell past it is killed").tag(config=True)
    memory_mb = Integer(4096, help="Memory of the kernel (its data: heap and anonymous mappings), MB").tag(config=True)
    processes = Integer(64, help="Processes a notebook may run at once").tag(config=True)
    stop_at_first_failed_test = Bool(False, help="End the notebook at the first failing test cell "
                                     "(mutation testing: only whether points are lost matters)").tag(config=True)
    use_sandbox = Bool(True, help="Use bubblewrap when it can run here").tag(config=True)
    extra_arguments = List(Unicode(), help="Extra arguments of the kernel").tag(config=True)
    start_next = Bool(False, help="Another notebook follows in this process: start its kernels while "
                      "this one is graded").tag(config=True)
    report_file = Unicode("", help="Where to write what happened to each cell (JSON); empty: nowhere").tag(config=True)
    template_file = Unicode("", help="The released lesson (.ipynb) the submission answers: the judge runs "
                            "its ordinary cells and binds the names of its answer cells").tag(config=True)

    def preprocess(self, nb, resources):
        from .judge import grade_notebook
        from .sandbox import Limits

        if not self.template_file:
            raise ValueError("SandboxedExecute.template_file is not set: the judge needs the released lesson")
        limits = Limits(self.wall_seconds, self.cell_seconds, self.memory_mb, self.processes,
                        self.stop_at_first_failed_test)
        template = nbformat.read(self.template_file, as_version=4)
        result = grade_notebook(nb, template, limits, use_sandbox=self.use_sandbox, extra_arguments=self.extra_arguments,
                                start_next=self.start_next)
        nb = nbformat.from_dict(result["notebook"])
        if self.report_file:
            summary = {key: result[key] for key in ("cells", "sandbox")}
            summary["cell_ids"] = {index: nb.cells[int(index)].metadata.get("nbgrader", {}).get("grade_id")
                                   for index in result["cells"]}
            Path(self.report_file).write_text(json.dumps(summary, indent=1))
        return nb, resources


HIDDEN_TESTS = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[ \t]*\n?", re.S | re.M)


class HideHiddenTests(NbGraderPreprocessor):
    """For the feedback: the hidden tests' code, and tracebacks that would quote it, are removed from
    test cells; each failure's message stays, so a student learns what failed, not the test."""

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code" and utils.is_grade(cell):
            cell.source = HIDDEN_TESTS.sub("# (hidden tests: not shown)\n", cell.source)
            for output in cell.outputs:
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources
