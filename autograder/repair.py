"""Put a submitted notebook's nbgrader cells back in order before nbgrader grades it.

Students delete cells, duplicate them, change a code cell to Markdown, or lose the cells' metadata
(some editors strip it). Stock nbgrader then leaves a test ungraded forever or fails the whole
submission. Here each cell of the lesson (the released student version is the template) is found in
the submission by its grade id, else by its cell id, else (locked cells) by its exact source; its
nbgrader metadata and cell type are restored from the template, a missing one is put back after the
cell that precedes it in the lesson, and duplicates of a graded cell become ordinary cells. nbgrader
then restores the locked cells' source and the hidden tests from the gradebook. Every repair is
returned as a note for the report.
"""
import copy

import nbformat


def grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def repair(submitted, template):
    """A repaired copy of ``submitted`` (NotebookNode) and the list of what was repaired."""
    notebook = copy.deepcopy(submitted)
    template_cells = {grade_id(cell): cell for cell in template.cells if grade_id(cell)}
    locked_sources = {cell.source: key for key, cell in template_cells.items()
                      if cell.metadata["nbgrader"].get("locked")}
    notes, found, cells = [], {}, []
    for cell in notebook.cells:
        key = grade_id(cell)
        if key not in template_cells:
            key = cell.get("id") if cell.get("id") in template_cells else locked_sources.get(cell.get("source"))
        if key is None or key in found:
            if key is not None or grade_id(cell):
                notes.append(f"cell {key or grade_id(cell)!r} appears more than once: the first copy is graded, "
                             "the others run as ordinary cells")
                cell.metadata.pop("nbgrader", None)
                cell["id"] = nbformat.v4.new_code_cell().id
            cells.append(cell)
            continue
        cells.append(_restored(cell, template_cells[key], key, notes))
        found[key] = len(cells) - 1
    order = [grade_id(cell) for cell in template.cells if grade_id(cell)]
    for position, key in enumerate(order):
        if key in found:
            continue
        previous = [found[earlier] for earlier in order[:position] if earlier in found]
        at = max(previous) + 1 if previous else 0
        cells.insert(at, copy.deepcopy(template_cells[key]))
        found = {name: index + (index >= at) for name, index in found.items()}
        found[key] = at
        notes.append(f"cell {key!r} was missing: put back from the lesson"
                     + (" (your answer in it is lost: it scores as unanswered)" if _is_answer(template_cells[key]) else ""))
    notebook.cells = cells
    return notebook, notes


def _is_answer(cell):
    return cell.metadata["nbgrader"].get("solution", False)


# What a cell's role is; the checksum and schema version are nbgrader's bookkeeping.
ROLE_FIELDS = ("grade", "solution", "locked", "points", "task")


def _role(metadata):
    return {name: metadata.get(name) for name in ROLE_FIELDS if metadata.get(name) not in (None, False)}


def _restored(cell, template_cell, key, notes):
    metadata = template_cell.metadata["nbgrader"]
    if _role(cell.get("metadata", {}).get("nbgrader", {})) != _role(metadata):
        what = "lost" if "nbgrader" not in cell.get("metadata", {}) else "changed"
        notes.append(f"cell {key!r}: its nbgrader metadata was {what}; restored from the lesson")
    if cell.cell_type != template_cell.cell_type:
        notes.append(f"cell {key!r} was changed to {cell.cell_type}; changed back to {template_cell.cell_type}")
        maker = nbformat.v4.new_code_cell if template_cell.cell_type == "code" else nbformat.v4.new_markdown_cell
        cell = maker(source=cell.source, metadata=cell.get("metadata", {}))
    cell.metadata["nbgrader"] = copy.deepcopy(metadata)
    cell["id"] = template_cell.get("id", key)
    return cell
