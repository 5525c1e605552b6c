"""The engine's command line, driven through main([...])."""

import json

from expertpool.allocation.cli import main


def test_alloc_cli_generate_allocate_check(tmp_path, capsys):
    problem_path, plan_path = tmp_path / "problem.json", tmp_path / "plan.json"
    assert main(["generate", "--scale", "small", "--seed", "4", "--out", str(problem_path)]) == 0
    assert main(["allocate", str(problem_path), "--out", str(plan_path)]) == 0
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    assert plan["format"] == "expertpool-plan/2" and plan["assignments"]
    capsys.readouterr()
    assert main(["check", str(problem_path), str(plan_path)]) == 0
    assert "OK" in capsys.readouterr().out


def test_alloc_cli_check_reports_violations(tmp_path, capsys):
    problem_path, plan_path = tmp_path / "problem.json", tmp_path / "plan.json"
    main(["generate", "--scale", "small", "--seed", "5", "--out", str(problem_path)])
    main(["allocate", str(problem_path), "--out", str(plan_path), "--method", "fcfs"])
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    plan["assignments"].append(dict(plan["assignments"][0]))  # the same half-day twice
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    capsys.readouterr()
    assert main(["check", str(problem_path), str(plan_path)]) == 1
    assert "rule 3" in capsys.readouterr().out


def test_alloc_cli_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "expertpool-problem/7"}', encoding="utf-8")
    assert main(["allocate", str(bad), "--out", str(tmp_path / "plan.json")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error:") and "unknown format" in error and error.count("\n") == 1
    assert main(["check", str(tmp_path / "missing.json"), str(bad)]) == 2
    assert main(["allocate"]) == 2


def test_alloc_cli_generate_to_stdout(capsys):
    assert main(["generate", "--scale", "small", "--seed", "2", "--weeks", "2", "--alsace-moselle"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["format"] == "expertpool-problem/2"


def test_alloc_cli_bench_quick_small(capsys):
    assert main(["bench", "--scales", "small", "--quick"]) == 0
    lines = capsys.readouterr().out.splitlines()
    table = [line for line in lines if line.strip().startswith("small")]
    assert len(table) == 4 and "OK" in table[0]
