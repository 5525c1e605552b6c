"""The pure allocation engine of expertpool: a problem in, a fair plan out (no Flask, no database)."""

from .billing import billable_half_days
from .bounds import bounds
from .calendar import free_half_days
from .check import CheckReport, check_plan
from .exchange import (
    load_plan,
    load_problem,
    plan_from_dict,
    plan_to_dict,
    problem_from_dict,
    problem_to_dict,
)
from .generate import generate
from .model import (
    Assignment,
    Expert,
    Member,
    Plan,
    Problem,
    ProblemError,
    Request,
    Unavailability,
    Unserved,
)
from .solver import METHODS, solve

__all__ = [
    "METHODS",
    "Assignment",
    "CheckReport",
    "Expert",
    "Member",
    "Plan",
    "Problem",
    "ProblemError",
    "Request",
    "Unavailability",
    "Unserved",
    "billable_half_days",
    "bounds",
    "check_plan",
    "free_half_days",
    "generate",
    "load_plan",
    "load_problem",
    "plan_from_dict",
    "plan_to_dict",
    "problem_from_dict",
    "problem_to_dict",
    "solve",
]
