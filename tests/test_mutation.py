"""The cheap judge of mutants (autograder/mutation.py): which cells an edit reaches, and the cases a test
cell does not settle directly (a loop, an answer cell that fails) judged as nbgrader would score them.

Every mutant and correct alternative of the catalogues is judged in tests/test_grading.py."""

import nbformat

from autograder.mutants import Mutant
from autograder.mutation import Judge, cell_names, failed_line, reached_cells, source_line
from realdata import executes_notebooks


def names_of(*sources):
    return {index: cell_names(source) for index, source in enumerate(sources)}


def test_a_cell_binds_assignments_imports_definitions_and_what_it_changes_in_place():
    names = cell_names("import numpy as np\nfrom os import path as p\nx, (y, *z) = 1, (2, 3)\n"
                       "params['W'] -= 1\nmodel.weights = []\nfor i in range(3):\n    total += i\n"
                       "with open('f') as handle:\n    pass\ndef f():\n    global counter\nclass C:\n    pass")
    assert names.binds == {"np", "p", "x", "y", "z", "params", "model", "i", "total", "handle", "f", "counter", "C"}


def test_a_cell_reads_the_globals_of_its_function_bodies_but_not_their_parameters_and_locals():
    names = cell_names("def train(params):\n    step = adam_step(params, grads)\n    return step\nresult = train(start)")
    assert names.reads == {"adam_step", "grads", "start"}  # train: bound by the cell before it is called
    assert names.definitions == {"train": {"adam_step", "grads"}}


def test_a_cell_does_not_read_what_it_binds_before_reading_it():
    names = cell_names("model = build(size)\nmodel.fit(x)\nfor kind in kinds:\n    print(kind, total)\n"
                       "if flag:\n    late = 1\nprint(late)\nwith opened(path) as handle:\n    handle.read()\n"
                       "words = [word for word in text]\ncount = count + 1")
    assert names.reads == {"build", "size", "x", "kinds", "print", "total", "flag", "late", "opened", "path",
                           "text", "count"}


def test_magics_are_read_as_python_and_unparsable_code_binds_nothing():
    assert cell_names("%matplotlib inline\nx = 1").binds == {"x"}
    assert cell_names("def broken(:\n").binds == set()


def test_an_edit_reaches_readers_transitively_and_nothing_else():
    names = names_of(
        "import numpy as np",                    # 0
        "def softmax(z):\n    return z",         # 1: the answer
        "case = np.ones(3)",                     # 2: reads nothing changed
        "probs = softmax(case)",                 # 3: reads softmax
        "assert probs.sum() == 1",               # 4: reads probs, which 3 binds
        "assert case.shape == (3,)",             # 5: unrelated
    )
    assert reached_cells(names, 1, cell_names("def softmax(z):\n    return z * 2")) == [3, 4]


def test_an_edit_reaches_callers_of_a_helper_defined_before_it():
    names = names_of(
        "def predict(x):\n    return softmax(x)",  # 0: a helper that calls the answer, defined earlier
        "def softmax(z):\n    return z",           # 1: the answer
        "labels = predict(data)",                  # 2: never names softmax
        "unrelated = 1",                           # 3
    )
    assert reached_cells(names, 1, cell_names("def softmax(z):\n    return -z")) == [2]


def test_a_cell_that_binds_a_changed_name_anew_before_reading_it_is_not_reached():
    names = names_of(
        "def build(size):\n    return size",  # 0: the answer
        "model = build(3)",                    # 1: reads build
        "model = 2\nprint(model)",             # 2: its model is its own
        "print(model)",                        # 3: reads the model cell 2 binds, which 1 may also have bound
    )
    assert reached_cells(names, 0, cell_names("def build(size):\n    return -size")) == [1, 3]


def test_names_only_the_edited_code_binds_count_as_changed():
    names = names_of("def f():\n    pass", "print(helper)")
    assert reached_cells(names, 0, cell_names("def f():\n    pass\nhelper = 1")) == [1]


LOOPS_FOREVER = Mutant("sigmoid that never returns", "sigmoid", "z = np.asarray(z, dtype=np.float64)", "while True:\n        pass")
# The answer cell fails before it defines sigmoid: the shared kernel still holds the solution's sigmoid,
# so only a fresh run, as grading does it, sees the test fail.
ANSWER_CELL_FAILS = Mutant("answer cell that raises before its definition", "sigmoid", "def sigmoid(z):",
                           "raise RuntimeError('half-written answer')\ndef sigmoid(z):")
CORRECT = Mutant("sigmoid through tanh", "sigmoid",
                 "e = np.exp(-np.abs(z))  # at most 1: cannot overflow\n    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
                 "return 0.5 * (1.0 + np.tanh(0.5 * z))")


@executes_notebooks
def test_a_looping_edit_is_reported_and_the_judge_goes_on():
    with Judge("01_softmax", seconds_per_edit=20) as judge:
        looping = judge.judge(LOOPS_FOREVER)
        answer_cell_fails = judge.judge(ANSWER_CELL_FAILS)
        correct = judge.judge(CORRECT)
    # A test cell that runs out of time scores zero under grading: caught, and the loop is named.
    assert looping.timed_out == "test_sigmoid" and looping.failed_tests == ("test_sigmoid",)
    assert "timed out" in looping.message
    # Judged by a fresh run of the edited notebook, where sigmoid is not defined.
    assert answer_cell_fails.exact and answer_cell_fails.failed_tests == ("test_sigmoid",)
    assert "NameError" in answer_cell_fails.message
    # After both, the kernel holds the reference again: a correct answer fails nothing.
    assert not correct.caught and not correct.timed_out, correct


def test_the_statement_that_failed_is_read_from_the_cells_traceback():
    cell = nbformat.v4.new_code_cell("case = 1\nlogits = case\nloss = sigmoid_bce(logits)")
    # As IPython formats it, colours included (from a graded notebook).
    frame = ("\x1b[36mCell\x1b[39m\x1b[36m \x1b[39m\x1b[32mIn[6]\x1b[39m\x1b[32m, line 3\x1b[39m\n"
             "\x1b[32m----> \x1b[39m\x1b[32m3\x1b[39m loss = sigmoid_bce(logits)\n")
    cell.outputs = [nbformat.v4.new_output("error", ename="NotImplementedError", evalue="",
                                           traceback=["\x1b[31m-----\x1b[39m", frame, "File helper.py:9, in sigmoid_bce"])]
    assert failed_line(cell) == 3
    cell.outputs[0].traceback = ["  File <unknown>, line 1\n    def (:\n", "SyntaxError: invalid syntax"]
    assert failed_line(cell) is None
    assert [source_line("a\nbc\nd", offset) for offset in (0, 1, 2, 4, 5)] == [1, 1, 2, 2, 3]
