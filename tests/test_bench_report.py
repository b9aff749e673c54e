from bench.report import Results, markdown


def _figures(name: str, requests: int, req_per_second: float) -> dict[str, object]:
    return {
        "name": name,
        "note": "",
        "requests": requests,
        "errors": 0,
        "reqPerSecond": req_per_second,
        "latencyUs": {"p50": 1200, "p90": 2500, "p99": 4800, "max": 9100},
        "hostCpuMsPerRequest": 0.25,
        "unexpected": {},
        "socketErrors": {},
    }


def test_the_readme_block_heads_with_the_connections_and_lists_each_scenario() -> None:
    options = {"scope": "all", "members": 2000, "logins": 300}
    results = Results(options=options | {"connections": 8, "threads": 1, "seconds": 3})
    results.scenarios = [
        _figures("repeat login", 1693, 555.4),
        _figures("dynamic vouchers", 9000, 2999.6),
    ]
    results.outcome = "complete"

    lines = markdown(results.as_dict()).splitlines()

    assert "2,000 members seeded; wrk with 8 connections (1 thread), 3 s per scenario" in lines[0]
    assert lines[2] == (
        "| scenario | requests | errors | req/s | p50 ms | p90 ms | p99 ms | max ms "
        "| host CPU ms/req |"
    )
    assert lines[4] == "| repeat login | 1,693 | 0 | 555 | 1.2 | 2.5 | 4.8 | 9.1 | 0.25 |"
    assert lines[5] == "| dynamic vouchers | 9,000 | 0 | 3,000 | 1.2 | 2.5 | 4.8 | 9.1 | 0.25 |"


def test_the_headline_says_how_the_host_ran_when_the_run_says() -> None:
    options = {"scope": "pos", "members": 2000, "logins": 300, "connections": 8, "threads": 1}
    results = Results(
        options=options | {"seconds": 5, "host": "2 process(es), 1 worker thread(s) each"}
    )

    first = markdown(results.as_dict()).splitlines()[0]

    assert "wrk, the load, is another (2 process(es), 1 worker thread(s) each)" in first


def test_a_profile_among_the_extras_is_one_line_of_its_lines() -> None:
    options = {"scope": "pos", "members": 10, "logins": 1, "connections": 8, "threads": 1}
    results = Results(options=options | {"seconds": 1})
    results.extra["pos"] = {"redeem profile": ["9 samples; a 60%", "innermost frames: b 40%"]}

    lines = markdown(results.as_dict()).splitlines()

    assert "  - redeem profile: 9 samples; a 60%; innermost frames: b 40%" in lines
