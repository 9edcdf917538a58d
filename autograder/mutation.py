"""Judging mutants and correct alternatives cheaply: one kernel per lesson, only the cells an edit reaches.

Grading a mutant through nbgrader runs the whole notebook in a fresh sandboxed kernel: for 139 mutants
that is 139 kernels and 139 runs of every data-loading and training cell. The judge here gets the same
verdict from one kernel per lesson:

1. It executes the solution notebook (which holds the hidden tests) once, in fast mode as under grading
   (``NBGRADER_EXECUTION=autograde``), and every test cell must pass.
2. For each edit (a mutant, or a correct alternative) it executes the edited answer cell, then, in
   notebook order, the cells after it that depend on it, transitively: a cell depends on the changed
   names when it may read one of them before binding it itself (statement by statement; the global
   names its function bodies read count, not their parameters and locals), and the names it binds join
   them. A function defined anywhere in the notebook whose body reads a changed name is a
   changed name too, so a cell that calls a helper which calls the edited function is reached.
   Test cells are executed like the others; the edit is caught when a test cell raises. Like mutation
   grading, the judge stops at the first failed test (unless asked for every failure).
   Correct alternatives are judged together, in groups that edit distinct answer cells: one run of
   every cell any of them reaches, instead of one per alternative (an alternative in a model-building
   function reaches every training cell after it). Only when a cell fails in that run is each judged
   on its own, after a fresh replay of the reference.
3. It restores the reference by re-executing the original answer cell and every cell that ran under the
   edit, except test cells whose names no later cell reads before binding them anew (most test cells:
   a later cell that uses ``model`` builds its own first). Re-executing is chosen over restarting the
   kernel because a restart means running the whole notebook again, the cost this module avoids; the
   restore is checked, not trusted: the test cell that caught a mutant must pass again once the
   original answer is back, or the mutant is judged again as below (a fresh kernel of its own) and the
   reference replayed.

What nbgrader scores decides the rules for the cases a test cell does not settle directly:

- A cell that is not a test and fails under the edit (a training cell crashing on a wrong shape) costs
  no points by itself; in a fresh run the names it did not bind would be missing for the cells after
  it, a state the shared kernel cannot reproduce. So when that happens before any test failed, the edit
  is judged exactly: a fresh kernel runs the whole edited notebook top to bottom, and the edit is caught
  only if a test cell fails there. Then the reference is replayed in a fresh kernel.
- Every edit has a time limit (``seconds_per_edit``; in a fresh run of the whole edited notebook, the
  grader's time per cell). A test cell that exceeds it is a failed test, as grading scores a timed-out
  test cell zero; any cell that exceeds it is reported (``timed_out``) and the kernel is replaced by a
  fresh one with the reference replayed.
"""
import ast
import copy
import dataclasses
import multiprocessing
import os
import re
import symtable
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from . import course
from .execute import environment
from .mutants import alternatives, apply, catalogue
from .preprocessors import HIDDEN_TESTS


@dataclass(frozen=True)
class Verdict:
    """What the tests said about one edit of a lesson's solution."""
    assignment: str
    name: str
    failed_tests: tuple       # grade ids of the test cells that failed (the first only, by default)
    message: str = ""         # the first failure's error, "ename: evalue"
    timed_out: str = ""       # the grade id or cell id of the cell that ran past the time limit, if any
    visible: bool = False     # the visible part of the failed test (what the student runs) fails too
    exact: bool = False       # judged by a fresh run of the whole edited notebook
    seconds: float = 0.0      # to judge it and restore the reference
    broken_cells: tuple = ()  # "label: ename: evalue" of the other cells that failed in that fresh run

    @property
    def caught(self):
        return bool(self.failed_tests)


@dataclass
class LessonJudgement:
    assignment: str
    reference_failures: list = field(default_factory=list)  # [(test, message)]: must be empty to judge anything
    mutants: list = field(default_factory=list)        # [Verdict]
    alternatives: list = field(default_factory=list)   # [Verdict]
    seconds: float = 0.0


# --- which names a cell binds and reads ------------------------------------------------------------

def _parse(source):
    """The cell's code as an AST (IPython magics turned into Python first); None when it does not parse."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return None


def _base_name(target):
    """``params`` for ``params["W"]``, ``model.layers[0].w`` and ``params`` itself."""
    while isinstance(target, (ast.Attribute, ast.Subscript, ast.Starred)):
        target = target.value
    return target.id if isinstance(target, ast.Name) else None


class _Bindings(ast.NodeVisitor):
    """Names a cell binds in the notebook's namespace: assignments (also into an item or attribute of a
    name, which changes what the name holds), imports, definitions, loop and with targets, ``global``
    declarations; and, per function or class it defines, the names its body reads."""

    def __init__(self):
        self.names, self.definitions = set(), {}

    def _targets(self, *targets):
        for target in targets:
            if isinstance(target, (ast.Tuple, ast.List)):
                self._targets(*target.elts)
            elif (name := _base_name(target)) is not None:
                self.names.add(name)

    def visit_Assign(self, node):
        self._targets(*node.targets)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._targets(node.target)
        self.generic_visit(node)

    visit_AnnAssign = visit_AugAssign

    def visit_NamedExpr(self, node):
        self._targets(node.target)
        self.generic_visit(node)

    def visit_For(self, node):
        self._targets(node.target)
        self.generic_visit(node)

    def visit_withitem(self, node):
        if node.optional_vars is not None:
            self._targets(node.optional_vars)
        self.generic_visit(node)

    def visit_Delete(self, node):
        self._targets(*node.targets)

    def visit_Import(self, node):
        self.names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)

    visit_ImportFrom = visit_Import

    def _definition(self, node):
        self.names.add(node.name)
        self.definitions[node.name] = _global_reads(node)
        for inner in ast.walk(node):  # `global x` inside a function binds x when it is called
            if isinstance(inner, ast.Global):
                self.names.update(inner.names)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _definition


NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef,
                 ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _scope_reads(node):
    """The names an expression or statement reads in the scope it runs in, without descending into the
    bodies of the functions, classes and comprehensions it defines (their decorators, defaults, bases
    and first iterable are read here)."""
    if isinstance(node, ast.Name):
        return {node.id} if isinstance(node.ctx, ast.Load) else set()
    if isinstance(node, NESTED_SCOPES):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            outer = [*getattr(node, "decorator_list", []), *node.args.defaults, *node.args.kw_defaults]
        elif isinstance(node, ast.ClassDef):
            outer = [*node.decorator_list, *node.bases, *node.keywords]
        else:
            outer = [node.generators[0].iter]
        return set().union(*(_scope_reads(child) for child in outer if child is not None))
    return set().union(*(_scope_reads(child) for child in ast.iter_child_nodes(node)))


def _global_reads(tree):
    """The global names that the functions, classes and comprehensions ``tree`` defines read when they
    run (their parameters and local variables are not reads of the notebook's names)."""
    module = ast.Module(body=[tree] if isinstance(tree, ast.stmt) else tree.body, type_ignores=[])
    tables = symtable.symtable(ast.unparse(module), "<cell>", "exec").get_children()
    reads = set()
    while tables:
        table = tables.pop()
        reads |= {symbol.get_name() for symbol in table.get_symbols() if symbol.is_global() and symbol.is_referenced()}
        tables += table.get_children()
    return reads


def _surely_binds(statement):
    """The names a top-level statement binds whenever it completes (a branch or a loop may not run, an
    item assignment changes an object another cell bound: neither counts)."""
    if isinstance(statement, ast.Assign):
        return set().union(*map(_names_of, statement.targets))
    if isinstance(statement, (ast.AugAssign, ast.AnnAssign)) and statement.value is not None:
        return _names_of(statement.target)
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in statement.names if alias.name != "*"}
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    if isinstance(statement, (ast.With, ast.AsyncWith)):
        return set().union(*(_names_of(item.optional_vars) for item in statement.items if item.optional_vars))
    return set()


def _names_of(target):
    """The names a plain assignment target binds: ``x``, ``x, (y, *z)``; none for ``x[0]`` or ``x.a``."""
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, ast.Starred):
        return _names_of(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return set().union(*map(_names_of, target.elts))
    return set()


def _reads_before_binding(tree):
    """The names of the notebook a cell may read before binding them itself: statement by statement,
    into loops, branches and ``with`` blocks, and anywhere in the bodies of what it defines (those run
    later, when called)."""
    return _block_reads(tree.body, set()) | _global_reads(tree)


def _block_reads(statements, bound):
    """What a block of statements may read that neither ``bound`` nor its own earlier statements bind."""
    reads, bound = set(), set(bound)
    for statement in statements:
        if isinstance(statement, (ast.For, ast.AsyncFor)):
            reads |= (_scope_reads(statement.iter) - bound) | _block_reads(statement.orelse, bound)
            reads |= _block_reads(statement.body, bound | _names_of(statement.target))
        elif isinstance(statement, (ast.If, ast.While)):
            reads |= (_scope_reads(statement.test) - bound) | _block_reads(statement.body, bound)
            reads |= _block_reads(statement.orelse, bound)
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            reads |= set().union(*(_scope_reads(item.context_expr) for item in statement.items)) - bound
            reads |= _block_reads(statement.body, bound | _surely_binds(statement))
        elif isinstance(statement, ast.Try):
            reads |= _block_reads(statement.body + statement.orelse, bound) | _block_reads(statement.finalbody, bound)
            for handler in statement.handlers:
                reads |= (_scope_reads(handler.type) - bound) if handler.type else set()
                reads |= _block_reads(handler.body, bound | ({handler.name} if handler.name else set()))
        else:
            reads |= _scope_reads(statement) - bound
        bound |= _surely_binds(statement)
    return reads


@dataclass(frozen=True)
class CellNames:
    binds: frozenset  # every name it may bind, anywhere in it
    reads: frozenset  # the names it may read before binding them itself
    definitions: dict  # {function or class name: names its body reads}


def cell_names(source):
    """What a cell binds and reads (empty when its code does not parse: it then binds nothing)."""
    tree = _parse(source)
    if tree is None:
        return CellNames(frozenset(), frozenset(), {})
    bindings = _Bindings()
    bindings.visit(tree)
    return CellNames(frozenset(bindings.names), frozenset(_reads_before_binding(tree)), bindings.definitions)


def reached_cells(names, answer_index, edited):
    """The code cells after the answer cell that an edit of it reaches, in notebook order.

    Args:
        names: {cell index: CellNames} of every code cell of the notebook.
        answer_index: the edited cell's index.
        edited: CellNames of the edited cell's new code.
    """
    changed = set(names[answer_index].binds | edited.binds)
    definitions = {}
    for cell in names.values():
        definitions.update(cell.definitions)

    def add_callers():  # a function anywhere whose body reads a changed name now behaves differently
        while callers := {name for name, reads in definitions.items() if reads & changed} - changed:
            changed.update(callers)

    add_callers()
    reached = []
    for index in sorted(names):
        if index > answer_index and names[index].reads & changed:
            reached.append(index)
            changed.update(names[index].binds)
            add_callers()
    return reached


# --- the judge -------------------------------------------------------------------------------------

def is_test(cell):
    return bool(cell.metadata.get("nbgrader", {}).get("grade", False))


def _label(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id") or cell.get("id", "?")


def _error(cell):
    """``ename: evalue`` of the cell's first error output, or None when it ran without one."""
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            return f"{output.ename}: {output.evalue}"
    return None


# IPython names the executed cell in each traceback frame as "Cell In[12], line 34" (with colours),
# followed by ", in softmax" when the frame is inside a function: group 1 the line, group 2 the function.
CELL_FRAME = re.compile(r"Cell In\s*\[\d*\], line (\d+)(?:, in (\w+))?")
COLOURS = re.compile(r"\x1b\[[0-9;]*m")


def failed_line(cell):
    """The line (from 1) of the cell's top-level statement that raised its error: the traceback's first
    frame in the cell; None when no frame names one (a SyntaxError)."""
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            for entry in output.get("traceback", []):
                frame = CELL_FRAME.search(COLOURS.sub("", entry))
                if frame:
                    return int(frame.group(1))
            return None
    return None


def source_line(source, offset):
    """The line (from 1) of ``source`` holding the character at ``offset``."""
    return source.count("\n", 0, offset) + 1


def _statements(lines):
    return [line for line in lines if line.strip() and not line.lstrip().startswith("#")]


class EditTimedOut(Exception):
    pass


class Judge:
    """One kernel holding a lesson's executed solution notebook, judging edits of its answer cells.

    Use as a context manager; ``judge(edit)`` returns a Verdict for a Mutant (a wrong answer, which a
    test should catch) or for a correct alternative (no test may fail).
    """

    def __init__(self, assignment_id, seconds_per_edit=300, every_failure=False, classify=False):
        self.assignment = assignment_id
        self.classify = classify  # say whether each caught edit fails the visible part of its test
        self.seconds_per_edit = seconds_per_edit
        self.every_failure = every_failure
        self.path = course.solution_notebook(assignment_id)
        self.notebook = nbformat.read(self.path, as_version=4)
        self.code = [index for index, cell in enumerate(self.notebook.cells) if cell.cell_type == "code"]
        self.names = {index: cell_names(self.notebook.cells[index].source) for index in self.code}
        self.definitions = {name: reads for names in self.names.values() for name, reads in names.definitions.items()}
        config = course.nbgrader_config()
        self.cell_seconds = float(config.SandboxedExecute.cell_seconds)
        self.extra_arguments = list(config.Execute.extra_arguments)
        self.client = None
        self.deadline = None
        self.reference_failures = []
        self.broken = []  # cells other than tests that failed in the last fresh run
        self.restored_tests = {}  # test cells the last restore re-executed: {label: error or None}

    def __enter__(self):
        self.reference_failures = self._fresh_kernel(self.notebook)
        return self

    def __exit__(self, *exc):
        self._shutdown()

    # kernel

    def _fresh_kernel(self, notebook, stop_at_failed_test=False):
        """Start a new kernel and run ``notebook`` top to bottom in it; returns the failed test cells
        as [(label, message)], and keeps the other cells that failed in ``self.broken``."""
        self._shutdown()
        self.client = NotebookClient(  # its own copy: executing a cell stores it into the client's notebook
            copy.deepcopy(self.notebook), timeout=self.cell_seconds, kernel_name="python3", allow_errors=True,
            interrupt_on_timeout=False, startup_timeout=120, shutdown_kernel="immediate",
            extra_arguments=self.extra_arguments, resources={"metadata": {"path": str(self.path.parent)}})
        self.client.km = self.client.create_kernel_manager()
        with environment(NBGRADER_EXECUTION="autograde"):  # fast mode, exactly as under grading
            self.client.start_new_kernel(cwd=str(self.path.parent))
        self.client.start_new_kernel_client()
        failures, self.broken = [], []
        for index in self.code:
            cell = self._run(notebook.cells[index], index, budget=self.cell_seconds)
            if is_test(cell) and _error(cell):
                failures.append((_label(cell), _error(cell)))
                if stop_at_failed_test:
                    break
            elif _error(cell):
                self.broken.append(f"{_label(cell)}: {_error(cell)}")
        return failures

    def _shutdown(self):
        if self.client is not None and self.client.km is not None:
            self.client._cleanup_kernel()  # nbclient's own shutdown: kills the kernel, closes its channels
        self.client = None

    def _run(self, cell, index, budget=None):
        """Execute a copy of the cell; returns the copy with its outputs. EditTimedOut past the budget."""
        cell = copy.deepcopy(cell)
        remaining = budget if budget is not None else self.deadline - time.monotonic()
        if remaining <= 0:
            raise EditTimedOut(_label(cell))
        self.client.timeout = max(1, int(remaining + 0.999))
        try:
            self.client.execute_cell(cell, index)
        except (CellTimeoutError, DeadKernelError) as error:
            raise EditTimedOut(_label(cell)) from error
        return cell

    # judging

    def _replay_reference(self):
        failures = self._fresh_kernel(self.notebook)
        if failures:
            raise RuntimeError(f"{self.assignment}: the solution failed {failures} when replayed in a fresh kernel")

    def judge(self, edit):
        """The Verdict on one edit (a Mutant or a correct alternative) of this lesson's solution."""
        if self.reference_failures:
            raise RuntimeError(f"the solution of {self.assignment} fails its own tests, so no edit can be judged: "
                               f"{self.reference_failures}")
        start = time.perf_counter()
        edited = apply(self.notebook, edit)
        answer_index = next(index for index in self.code if _label(self.notebook.cells[index]) == edit.cell)
        dependents = reached_cells(self.names, answer_index, cell_names(edited.cells[answer_index].source))
        verdict = self._judge_in_place(edit, edited, answer_index, dependents)
        if verdict.caught and not verdict.exact and not verdict.timed_out and not self._restored_passes(verdict):
            # The edit left state behind that re-executing cells does not undo (a library's global
            # registry, say), so the verdict may be its doing: judge the edit as grading would, in a
            # fresh kernel of its own, and replay the reference after it.
            verdict = self._judge_exactly(edit, edited)
        return dataclasses.replace(verdict, seconds=time.perf_counter() - start)

    def judge_together(self, edits, restore=True):
        """Verdicts on correct alternatives that edit different answer cells, from one run of them all:
        every edited answer cell and every cell any of them reaches, in notebook order. When no cell
        fails, each is kept (a correct answer keeps its points beside other correct answers); when one
        fails, the reference is replayed and each is judged on its own. ``restore=False`` leaves the
        kernel as the edits left it (after a lesson's last group)."""
        start = time.perf_counter()
        edited = self.notebook
        for edit in edits:
            edited = apply(edited, edit)
        answers = [index for index in self.code if _label(self.notebook.cells[index]) in {edit.cell for edit in edits}]
        reached = set(answers)
        for answer_index in answers:
            reached |= set(reached_cells(self.names, answer_index, cell_names(edited.cells[answer_index].source)))
        self.deadline = time.monotonic() + self.seconds_per_edit * len(edits)
        ran, failed = [], False
        try:
            for index in sorted(reached):
                ran.append(index)
                if _error(self._run(edited.cells[index], index)):
                    failed = True
                    break
        except EditTimedOut:
            failed = True
        if failed:
            self._replay_reference()
            return [self.judge(edit) for edit in edits]
        if restore:
            self._restore(answers[0], ran)
        seconds = (time.perf_counter() - start) / len(edits)
        return [Verdict(self.assignment, edit.name, failed_tests=(), seconds=seconds) for edit in edits]

    def _judge_in_place(self, edit, edited, answer_index, dependents):
        self.deadline = time.monotonic() + self.seconds_per_edit
        failures, ran, visible = [], [], False
        for index in [answer_index, *dependents]:
            try:
                cell = self._run(edited.cells[index], index)
            except EditTimedOut as timeout:
                self._replay_reference()
                return self._verdict(edit, failures + self._timeout_failure(str(timeout)), timed_out=str(timeout))
            ran.append(index)
            error = _error(cell)
            if error and is_test(cell):
                failures.append((_label(cell), error))
                if not failures[1:] and self.classify:
                    visible = self._visible_part_fails(cell, index, failed_line(cell))
                if not self.every_failure:
                    break
            elif error and not failures:
                return self._judge_exactly(edit, edited)
        self._restore(answer_index, ran)
        return self._verdict(edit, failures, visible=visible)

    def _judge_exactly(self, edit, edited):
        """A cell that is not a test failed under the edit before any test did: run the edited notebook
        in a fresh kernel as grading would, then bring the reference back in another."""
        visible = False
        try:
            failures = self._fresh_kernel(edited, stop_at_failed_test=not self.every_failure)
            timed_out = ""
            if failures and self.classify and not self.every_failure:  # the kernel stands just after it
                index = next(index for index in self.code if _label(edited.cells[index]) == failures[0][0])
                visible = self._visible_part_fails(edited.cells[index], index)
        except EditTimedOut as timeout:  # with the first failed test it would have stopped before
            timed_out = str(timeout)
            failures = self._timeout_failure(timed_out)
        broken = tuple(self.broken)  # the replay below runs a fresh kernel of its own
        self._replay_reference()
        return self._verdict(edit, failures, timed_out=timed_out, exact=True, visible=visible, broken=broken)

    def _timeout_failure(self, label):
        """[(label, reason)] when the cell that ran out of time is a test cell: grading scores it zero."""
        cell = next(self.notebook.cells[index] for index in self.code if _label(self.notebook.cells[index]) == label)
        return [(label, "timed out: the cell ran past the grader's time limit")] if is_test(cell) else []

    def _read_later(self, index):
        """Whether a code cell after ``index`` may read, itself or through a function it calls, a name
        that the cell at ``index`` binds, before binding it anew."""
        binds = self.names[index].binds
        return any(self._reads_through_calls(self.names[later].reads) & binds for later in self.code if later > index)

    def _reads_through_calls(self, reads):
        """``reads`` and the names read by the bodies of the notebook's functions among them, transitively."""
        reads, new = set(reads), set(reads)
        while new:
            new = set().union(*(self.definitions.get(name, set()) for name in new)) - reads
            reads |= new
        return reads

    def _restore(self, answer_index, ran):
        """Re-execute the original answer cell and the cells that ran under the edit; keeps, in
        ``self.restored_tests``, {label: error or None} of the test cells among them."""
        self.deadline = time.monotonic() + max(self.seconds_per_edit, 60)
        self.restored_tests = {}
        for index in ran:
            if index == answer_index or not is_test(self.notebook.cells[index]) or self._read_later(index):
                cell = self._run(self.notebook.cells[index], index)
                if is_test(cell):
                    self.restored_tests[_label(cell)] = _error(cell)
                elif _error(cell):
                    raise RuntimeError(f"{self.assignment}: re-executing {_label(cell)} of the solution failed "
                                       f"while restoring the reference: {_error(cell)}")

    def _restored_passes(self, verdict):
        """The test cell that caught an edit passes again with the original answer back (run again
        now, unless the restore just did)."""
        label = verdict.failed_tests[0]
        if label in self.restored_tests:
            return self.restored_tests[label] is None
        index = next(index for index in self.code if _label(self.notebook.cells[index]) == label)
        self.deadline = time.monotonic() + max(self.seconds_per_edit, 60)
        return _error(self._run(self.notebook.cells[index], index)) is None

    def _visible_part_fails(self, cell, index, line=None):
        """Whether the test cell, its hidden tests removed as in the student's version, fails too:
        then the student sees the failure before handing in. ``line``: the line of the cell whose
        statement raised, when known. A statement before every hidden test fails the same way in the
        student's version (it runs the same statements up to there), and one in the cell's only hidden
        block, with nothing but comments after it, means that every visible statement passed; in any
        other case the visible part is run again, after the cell."""
        hidden = [(source_line(cell.source, match.start()), source_line(cell.source, match.end() - 1))
                  for match in HIDDEN_TESTS.finditer(cell.source)]
        if not hidden or (line is not None and line < hidden[0][0]):
            return True
        if line is not None and len(hidden) == 1 and hidden[0][0] <= line <= hidden[0][1] \
                and not _statements(cell.source.splitlines()[hidden[0][1]:]):
            return False
        visible_part = copy.deepcopy(cell)
        visible_part.source = HIDDEN_TESTS.sub("", cell.source)
        try:
            return _error(self._run(visible_part, index, budget=self.cell_seconds)) is not None
        except EditTimedOut:  # the student's run of it hangs: seen, too
            return True

    def _verdict(self, edit, failures, timed_out="", exact=False, visible=False, broken=()):
        return Verdict(self.assignment, edit.name, failed_tests=tuple(label for label, _ in failures),
                       message=failures[0][1] if failures else "", timed_out=timed_out, exact=exact,
                       visible=visible, broken_cells=broken)


def edits_of_distinct_cells(edits):
    """The edits in groups, in order, no two of a group editing the same cell."""
    groups = []
    for edit in edits:
        group = next((group for group in groups if edit.cell not in {other.cell for other in group}), None)
        if group is None:
            groups.append([edit])
        else:
            group.append(edit)
    return groups


def judge_lesson(assignment_id, seconds_per_edit=300, every_failure=False, classify=False):
    """Judge every mutant and correct alternative of one lesson in one kernel."""
    start = time.perf_counter()
    judgement = LessonJudgement(assignment_id)
    with Judge(assignment_id, seconds_per_edit=seconds_per_edit, every_failure=every_failure,
               classify=classify) as judge:
        judgement.reference_failures = judge.reference_failures
        if not judge.reference_failures:  # nothing can be judged against a solution that fails its tests
            judgement.mutants = [judge.judge(mutant) for mutant in catalogue(assignment_id)]
            groups = edits_of_distinct_cells(alternatives(assignment_id))
            verdicts = {verdict.name: verdict for number, group in enumerate(groups)
                        for verdict in judge.judge_together(group, restore=number < len(groups) - 1)}
            judgement.alternatives = [verdicts[alternative.name] for alternative in alternatives(assignment_id)]
    judgement.seconds = time.perf_counter() - start
    return judgement


def judge_lessons(assignment_ids, workers=None, **options):
    """Judge several lessons, one kernel each, ``workers`` lessons at a time (default: one per core).
    Returns {assignment id: LessonJudgement} in the order given."""
    workers = workers or os.cpu_count() or 2
    if workers == 1 or len(assignment_ids) == 1:
        return {assignment_id: judge_lesson(assignment_id, **options) for assignment_id in assignment_ids}
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {assignment_id: pool.submit(judge_lesson, assignment_id, **options) for assignment_id in assignment_ids}
        return {assignment_id: future.result() for assignment_id, future in futures.items()}
