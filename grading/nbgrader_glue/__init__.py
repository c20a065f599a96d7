"""nbgrader's side of grading: autograde with the notebook's kernel in the grader's sandbox,
collect and unpack, verify, feedback, the Dask engine, the demo and the JupyterHub. It may
import the grader; the grader never imports it."""
