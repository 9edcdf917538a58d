"""nbgrader preprocessors the course adds to nbgrader's autograde pipeline (see nbgrader_config.py)."""
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor


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
