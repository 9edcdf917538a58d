"""emolib: the helper library of the emotion-recognition course.

Students import it for data loading, text processing, gradient checking, the checks the test cells
run, and plots. Nothing in it solves an exercise. Importing it routes library notices from stderr to
stdout (see ``emolib._runtime``), because nbgrader scores a test cell that wrote to stderr as zero.
"""
from ._runtime import cache_dir, data_dir, fast_mode, quiet_stderr

quiet_stderr()

__all__ = ["cache_dir", "data_dir", "fast_mode", "quiet_stderr"]
