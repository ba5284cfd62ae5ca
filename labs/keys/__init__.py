"""keys -- the answer key of each lab, one module per worksheet.

labs/NN-NAME.md is graded by keys/NAME.py, which holds:
  CAPTURES   {capture name: path from the repository root}: the reference
             captures the lab reads (replaced with labs/check --capture)
  REFERENCE  False for a lab with no reference capture (lab 09: each
             student records their own); CAPTURES' paths are then None
  QUESTIONS  the questions.Question list, in the worksheet's order; each
             computes its true answer from the captures' pushviz items
tests/labs/test_labs.py checks that worksheet and key agree.
"""
