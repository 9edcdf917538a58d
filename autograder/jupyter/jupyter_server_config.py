"""JupyterLab as `make lab` starts it (the Makefile puts this folder on JUPYTER_CONFIG_PATH).

- The lab's root is the course's top folder, so that the formgrader's links (to solutions/ and work/)
  resolve; it opens on lessons/.
- nbgrader's Assignment List and Courses panels are for a course on a shared JupyterHub, through an
  exchange folder; a course on one machine has its lessons in lessons/ already, so both are off (the
  README says how to turn them on with an exchange).
- Validate is served by the course's extension, autograder/lab.py: the verdict first.
- custom/custom.css marks the locked cells (test cells and the cell that loads the reference values)
  so that they do not look like the cells a student fills in.
"""
from pathlib import Path

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.assignment_list": False,
    "nbgrader.server_extensions.course_list": False,
    "nbgrader.server_extensions.validate_assignment": False,
    "autograder.lab": True,
}
c.LabApp.default_url = "/lab/tree/lessons"
c.LabApp.custom_css = True
# Where the lab page's custom.css comes from (a setting of the web application, not a configurable trait)
c.ServerApp.tornado_settings = {"static_custom_path": [str(Path(__file__).resolve().parent / "custom")]}
