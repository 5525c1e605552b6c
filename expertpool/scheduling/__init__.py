"""The scheduler's problem, shared by the features that solve it: planning (which writes the plan) and
scenarios (which solve a changed copy of it and write nothing).

`problem_builder` reads the database into the engine's problems (so it cannot live in the Flask-free
`expertpool.allocation`), `outcome` is the solved horizon and its figures, `solving.solve_horizon` reads
and solves the horizon the way the scheduler's job does.
"""
