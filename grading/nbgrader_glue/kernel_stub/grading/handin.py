"""What the chapters' last cell ("Hand in": `from grading.handin import hand_in`) finds in a sandboxed
autograde kernel. The submission is already handed in and is being graded, so there is nothing to
pack: without this stand-in the cell raised ModuleNotFoundError in every student's feedback."""


def hand_in(chapter, *args, **kwargs):
    print(f"Hand in: this is the grader's run of your {chapter} notebook; what you handed in is being graded.")
