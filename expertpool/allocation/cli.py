"""Command line of the engine: allocate, check, generate, bench (argparse; `main(argv) -> exit code`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .exchange import dump_json, load_plan, load_problem, plan_to_dict, problem_to_dict
from .model import ProblemError
from .solver import METHODS

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m expertpool.allocation", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    allocate = commands.add_parser("allocate", help="solve a problem file and write the plan")
    allocate.add_argument("problem")
    allocate.add_argument("--out", required=True, help="where to write the plan (JSON)")
    allocate.add_argument("--method", choices=METHODS, default="fair")

    check = commands.add_parser("check", help="verify a plan against its problem (exit 1 on violations)")
    check.add_argument("problem")
    check.add_argument("plan")

    generate = commands.add_parser("generate", help="write a random realistic problem")
    generate.add_argument("--scale", choices=("small", "regional", "national"), default="small")
    generate.add_argument("--seed", type=int, default=1)
    generate.add_argument("--ratio", type=float, default=1.4, help="demand / supply (0.8-2.0)")
    generate.add_argument("--weeks", type=int, default=12)
    generate.add_argument("--alsace-moselle", action="store_true", help="add Good Friday and 26 December")
    generate.add_argument("--no-traps", action="store_true", help="leave out the edge cases")
    generate.add_argument("--out", help="file to write (default: standard output)")

    bench = commands.add_parser("bench", help="measure every method against the bounds")
    bench.add_argument("--scales", default="small,regional,national")
    bench.add_argument("--quick", action="store_true", help="skip the full-year and national runs")
    bench.add_argument("--seed", type=int, default=1)
    bench.add_argument("--methods", default=",".join(METHODS))
    return parser


def _allocate(args: argparse.Namespace) -> int:
    from .solver import solve

    problem = load_problem(args.problem)
    plan = solve(problem, method=args.method)
    _write(plan_to_dict(plan), args.out)
    metrics = plan.metrics
    print(
        f"{len(plan.assignments)} half-days assigned, {sum(u.half_days for u in plan.unserved)} unserved; "
        f"entitled satisfaction {metrics.get('entitled_satisfaction')}, "
        f"total {metrics.get('total_satisfaction')}, {metrics.get('solve_seconds')} s → {args.out}"
    )
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from .check import check_plan

    problem = load_problem(args.problem)
    plan = load_plan(args.plan)
    report = check_plan(problem, plan)
    for violation in report.violations:
        print(violation)
    for key, value in report.metrics.items():
        print(f"{key}: {value}")
    print("OK" if report.ok else f"{len(report.violations)} violation(s)")
    return EXIT_OK if report.ok else EXIT_VIOLATIONS


def _generate(args: argparse.Namespace) -> int:
    import json

    from .generate import generate

    if not 0.1 <= args.ratio <= 10:
        raise ProblemError(f"--ratio {args.ratio}: use a demand/supply ratio between 0.1 and 10")
    if not 1 <= args.weeks <= 104:
        raise ProblemError(f"--weeks {args.weeks}: use 1 to 104 weeks")
    problem = generate(
        args.scale,
        args.seed,
        demand_ratio=args.ratio,
        horizon_weeks=args.weeks,
        traps=not args.no_traps,
        alsace_moselle=args.alsace_moselle,
    )
    document = problem_to_dict(problem)
    if args.out:
        _write(document, args.out)
        print(f"{len(problem.requests)} requests, {len(problem.members)} members → {args.out}")
    else:
        print(json.dumps(document, ensure_ascii=False))
    return EXIT_OK


def _bench(args: argparse.Namespace) -> int:
    from .bench import run_bench

    scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    for scale in scales:
        if scale not in ("small", "regional", "national"):
            raise ProblemError(f"--scales: unknown scale {scale!r}")
    for method in methods:
        if method not in METHODS:
            raise ProblemError(f"--methods: unknown method {method!r}")
    return run_bench(scales, methods, quick=args.quick, seed=args.seed)


def _write(document: dict, path: str) -> None:
    try:
        dump_json(document, path)
    except OSError as error:
        raise ProblemError(f"{path}: cannot write the file ({error.strerror or error})") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; bad input gives a one-line message and exit code 2, never a traceback."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_request:  # argparse already printed its usage message
        return int(exit_request.code or 0) and EXIT_BAD_INPUT
    handlers = {"allocate": _allocate, "check": _check, "generate": _generate, "bench": _bench}
    try:
        return handlers[args.command](args)
    except ProblemError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
