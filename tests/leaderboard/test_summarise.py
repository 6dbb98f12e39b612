"""Summariser and statistics, with numbers checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from lb_helpers import group_entry, sample, scale_block, skipped_task, task_result, write_run

from leaderboard.compare import compare_models
from leaderboard.discover import load_runs
from leaderboard.stats import group_mean, paired_test, rank_ranges
from leaderboard.summarise import summarise

T0, T1, T2 = "2026-11-25T07:00:00Z", "2026-11-25T08:00:00Z", "2026-11-25T09:00:00Z"


def test_rank_ranges_follow_ci_overlap():
    # A and B overlap each other; C lies below both.
    cis = [(0.5, 0.7), (0.45, 0.65), (0.1, 0.2), None]
    assert rank_ranges(cis) == [[1, 2], [1, 2], [3, 3], None]
    # Lower is better (e.g. WER): C is now first for certain.
    assert rank_ranges(cis, higher_is_better=False) == [[2, 3], [2, 3], [1, 1], None]
    # Points without CIs: strict order.
    assert rank_ranges([(3, 3), (1, 1), (2, 2)]) == [[1, 1], [3, 3], [2, 2]]


def test_group_mean_matches_contract_formula():
    g = group_mean([0.6, 0.2], [0.03, 0.04])
    assert g["value"] == pytest.approx(0.4)
    assert g["stderr"] == pytest.approx(0.025)  # sqrt(0.03^2 + 0.04^2) / 2 = 0.05 / 2
    assert g["ci95"] == pytest.approx([0.4 - 0.049, 0.4 + 0.049])


def test_mcnemar_exact_by_hand():
    a = np.array([1, 1, 1, 1, 1, 1, 0, 0, 1.0])
    b = np.array([0, 0, 0, 0, 0, 1, 1, 0, 1.0])
    r = paired_test(a, b)
    # 5 pairs only A got right, 1 only B: p = 2 * P(X <= 1), X ~ Bin(6, 1/2) = 2 * 7/64.
    assert (r["test"], r["a_only"], r["b_only"]) == ("mcnemar_exact", 5, 1)
    assert r["p"] == pytest.approx(14 / 64)
    assert r["diff"] == pytest.approx(4 / 9)
    assert not r["significant"]
    assert paired_test(np.ones(5), np.ones(5))["p"] == 1.0


def test_paired_bootstrap_is_seeded_and_sensible():
    rng = np.random.default_rng(0)
    a = rng.uniform(0.4, 0.9, 300)
    same = paired_test(a, a)  # every difference 0: every resample mean is 0, both tails hold it all -> p = 1
    assert (same["test"], same["diff"], same["ci95"], same["p"], same["significant"]) == (
        "paired_bootstrap", 0.0, [0.0, 0.0], 1.0, False)
    better = paired_test(a + 0.1, a)  # every difference 0.1: the interval is the point 0.1, no resample <= 0
    assert better["diff"] == pytest.approx(0.1) and better["ci95"] == pytest.approx([0.1, 0.1])
    assert better["p"] == 0.0 and better["significant"] is True
    x, y = a, a[::-1].copy()
    assert paired_test(x, y) == paired_test(x, y)  # same seed, same answer


def _two_models(root):
    text = group_entry(["arc_mini", "mmlu_mini"], 0.5, 0.025, [0.451, 0.549])
    # alpha: an older run with both tasks, a newer run that re-ran only mmlu_mini.
    write_run(root, "hf:/m/alpha", "20261125T070000Z-a0", T0,
              {"mmlu_mini": task_result(0.6, (0.54, 0.66), stderr=0.03),
               "arc_mini": task_result(0.2, (0.12, 0.28), stderr=0.04)}, groups={"text": text})
    write_run(root, "hf:/m/alpha", "20261125T080000Z-a1", T1,
              {"mmlu_mini": task_result(0.7, (0.64, 0.76), stderr=0.03), "arc_mini": skipped_task()},
              groups={"text": group_entry(["arc_mini", "mmlu_mini"], 0.7, 0.03, [0.64, 0.76], scored=["mmlu_mini"])})
    write_run(root, "hf:/m/beta", "20261125T090000Z-b0", T2,
              {"mmlu_mini": task_result(0.3, (0.2, 0.4), stderr=0.05),
               "arc_mini": task_result(0.25, (0.15, 0.35), stderr=0.05),
               "img_task": task_result(0.9, (0.8, 1.0), groups=("image",))},
              groups={"text": group_entry(["arc_mini", "mmlu_mini"], 0.275, 0.035, [0.206, 0.344]),
                      "image": group_entry(["img_task"], 0.9, 0.05, [0.8, 1.0]),
                      "all_modality": group_entry(["arc_mini", "img_task", "mmlu_mini"], 0.483, 0.03, [0.42, 0.54])})


def test_latest_view_takes_newest_run_per_task_and_recomputes_mixed_groups(tmp_path):
    _two_models(tmp_path)
    s = summarise(load_runs([tmp_path]))
    assert [c["key"] for c in s["columns"]] == ["g:text", "g:image", "g:all_modality",
                                                "t:arc_mini", "t:mmlu_mini", "t:img_task"]
    alpha, beta = s["views"]["latest"]
    assert (alpha["label"], beta["label"]) == ("alpha", "beta")
    assert alpha["cells"]["t:mmlu_mini"]["v"] == 0.7  # newest run
    assert alpha["cells"]["t:mmlu_mini"]["run"].endswith("20261125T080000Z-a1")
    assert alpha["cells"]["t:arc_mini"]["v"] == 0.2  # skipped in the newest run: the older one counts
    assert alpha["cells"]["t:arc_mini"]["run"].endswith("20261125T070000Z-a0")
    # The text group now mixes runs (mmlu 0.7 se 0.03 from a1, arc 0.2 se 0.04 from a0), so it is recomputed:
    # mean 0.45, se sqrt(0.03^2 + 0.04^2) / 2 = 0.025, CI 0.45 +/- 0.049.
    assert alpha["cells"]["g:text"]["v"] == pytest.approx(0.45)
    assert alpha["cells"]["g:text"]["ci"] == pytest.approx([0.401, 0.499])
    # beta's groups come straight from its single run.
    assert beta["cells"]["g:text"] == {"v": 0.275, "ci": [0.206, 0.344], "se": 0.035,
                                       "run": beta["runs"][0], "rank": [2, 2]}
    assert alpha["cells"]["g:text"]["rank"] == [1, 1]
    # Overlapping CIs on arc_mini: both could be first.
    assert alpha["cells"]["t:arc_mini"]["rank"] == [1, 2] and beta["cells"]["t:arc_mini"]["rank"] == [1, 2]
    assert "g:image" not in alpha["cells"] and beta["cells"]["g:image"]["rank"] == [1, 1]
    assert s["default_sort"] == "g:all_modality"
    assert len(s["views"]["runs"]) == 3


def test_group_recomputed_when_members_come_from_different_runs(tmp_path):
    text = group_entry(["arc_mini", "mmlu_mini"], 0.5, 0.025, [0.451, 0.549])
    write_run(tmp_path, "hf:/m/alpha", "r0", T0, {"mmlu_mini": task_result(0.6, (0.5, 0.7), stderr=0.03),
                                                  "arc_mini": task_result(0.2, (0.1, 0.3), stderr=0.04)},
              groups={"text": text})
    write_run(tmp_path, "hf:/m/alpha", "r1", T1, {"mmlu_mini": task_result(0.8, (0.74, 0.86), stderr=0.03),
                                                  "arc_mini": skipped_task()},
              groups={"text": {**text, "value": 0.123}})
    (row,) = summarise(load_runs([tmp_path]))["views"]["latest"]
    g = row["cells"]["g:text"]
    # mmlu 0.8 (se 0.03) from r1, arc 0.2 (se 0.04) from r0: mean 0.5, se sqrt(0.0009 + 0.0016) / 2 = 0.025.
    assert g["v"] == pytest.approx(0.5) and g["se"] == pytest.approx(0.025)
    assert g["ci"] == pytest.approx([0.451, 0.549])
    assert "recomputed" in g["note"] and g["run"] is None


def test_compare_uses_shared_samples_of_the_runs_in_the_table(tmp_path):
    a = [sample(i, True) for i in range(10)]  # ids 0..9, all right
    b = [sample(i, i % 2 == 0) for i in range(5, 15)]  # ids 5..14
    write_run(tmp_path, "hf:/m/a", "r0", T0, {"t": task_result(1.0, (0.9, 1.0))}, samples={"t": a})
    write_run(tmp_path, "hf:/m/b", "r1", T1, {"t": task_result(0.5, (0.2, 0.8))}, samples={"t": b})
    runs = load_runs([tmp_path])
    s = summarise(runs)
    vals = {(r.key, "t"): {x["id"]: x["metrics"]["acc"] for x in (a if r.model_key == "hf:/m/a" else b)}
            for r in runs}
    res = compare_models(s, vals)["pairs"]["0|1"]["t"]
    # Shared ids 5..9: A right on all 5; B right on 6 and 8: A-only 3, B-only 0, p = 2 * 1/8.
    assert (res["n"], res["a_only"], res["b_only"]) == (5, 3, 0)
    assert res["diff"] == pytest.approx(0.6) and res["p"] == pytest.approx(0.25)


def test_runs_with_broken_json_are_skipped(tmp_path):
    write_run(tmp_path, "hf:/m/a", "r0", T0, {"t": task_result(0.5, (0.4, 0.6))})
    bad = tmp_path / "hf__m_b" / "r1"
    bad.mkdir(parents=True)
    (bad / "run.json").write_text("{not json")
    (bad / "results.json").write_text("{}")
    hidden = write_run(tmp_path, "hf:/m/c", ".r2.tmp", T0, {"t": task_result(0.5, (0.4, 0.6))})
    assert hidden.exists()  # an in-progress run: never read
    runs = load_runs([tmp_path])
    assert [r.model_key for r in runs] == ["hf:/m/a"]
    assert math.isclose(summarise(runs)["views"]["latest"][0]["cells"]["t:t"]["v"], 0.5)


def test_stored_partial_group_is_shown_but_never_ranked(tmp_path):
    write_run(tmp_path, "hf:/m/a", "r0", T0, {"t1": task_result(0.6, (0.5, 0.7), stderr=0.05),
                                              "img": skipped_task()},
              groups={"all_modality": group_entry(["img", "t1"], 0.6, 0.05, [0.5, 0.7], scored=["t1"])})
    write_run(tmp_path, "hf:/m/b", "r1", T1, {"t1": task_result(0.2, (0.1, 0.3), stderr=0.05),
                                              "img": task_result(0.4, (0.3, 0.5), stderr=0.05, groups=("image",))},
              groups={"all_modality": group_entry(["img", "t1"], 0.3, 0.035, [0.23, 0.37])})
    s = summarise(load_runs([tmp_path]))
    a, b = s["views"]["latest"]
    ga, gb = a["cells"]["g:all_modality"], b["cells"]["g:all_modality"]
    assert ga["v"] == 0.6 and ga["partial"] and ga["coverage"] == "1 of 2" and "rank" not in ga
    assert "partial: 1 of 2" in ga["note"]
    # b is ranked alone: a's higher partial value does not push it down.
    assert gb["rank"] == [1, 1] and not gb.get("partial")
    assert a["cells"]["t:t1"]["rank"] == [1, 1] and b["cells"]["t:t1"]["rank"] == [2, 2]
    ra, rb = s["views"]["runs"]
    assert "rank" not in ra["cells"]["g:all_modality"] and rb["cells"]["g:all_modality"]["rank"] == [1, 1]


def test_older_results_without_normalisation_are_not_ranked(tmp_path):
    old = {"tasks": ["t1"], "value": 2.43, "stderr": 0.1, "ci95": [2.2, 2.6]}  # a 1-10 average, unconverted
    write_run(tmp_path, "hf:/m/a", "r0", T0, {"t1": task_result(0.6, (0.5, 0.7), stderr=0.05)},
              groups={"all_modality": old})
    write_run(tmp_path, "hf:/m/b", "r1", T1, {"t1": task_result(0.5, (0.4, 0.6), stderr=0.05)},
              groups={"all_modality": group_entry(["t1"], 0.5, 0.05, [0.4, 0.6])})
    a, b = summarise(load_runs([tmp_path]))["views"]["latest"]
    assert "rank" not in a["cells"]["g:all_modality"] and "not normalised" in a["cells"]["g:all_modality"]["note"]
    assert b["cells"]["g:all_modality"]["rank"] == [1, 1]


def test_recomputed_groups_average_normalised_values(tmp_path):
    # A 1-10 judge task and a 0-1 task, from two runs: the group is the mean of (7.3-1)/9 = 0.7 and 0.4.
    judge_task = {**task_result(7.3, (6.4, 8.2), metric="score", stderr=0.45, groups=("amg",)),
                  "scale": scale_block(7.3, 0.45, (6.4, 8.2), (1.0, 10.0))}
    write_run(tmp_path, "hf:/m/a", "r0", T0, {"j": judge_task, "sel": task_result(0.3, (0.2, 0.4), stderr=0.05)},
              groups={"amg": group_entry(["j", "sel"], 0.5, 0.03, [0.44, 0.56])})
    write_run(tmp_path, "hf:/m/a", "r1", T1, {"sel": task_result(0.4, (0.3, 0.5), stderr=0.04, groups=("amg",)),
                                              "j": skipped_task()},
              groups={"amg": group_entry(["j", "sel"], 0.4, 0.04, [0.32, 0.48], scored=["sel"])})
    (row,) = summarise(load_runs([tmp_path]))["views"]["latest"]
    g = row["cells"]["g:amg"]
    assert g["v"] == pytest.approx((0.7 + 0.4) / 2) and not g.get("partial")
    se = math.sqrt((0.45 / 9) ** 2 + 0.04 ** 2) / 2
    assert g["se"] == pytest.approx(se) and g["ci"] == pytest.approx([0.55 - 1.96 * se, 0.55 + 1.96 * se])
    assert "recomputed on 0-1" in g["note"]


def test_group_interval_stays_inside_zero_one():
    g = group_mean([0.002, 0.0], [0.002, 0.0])
    assert g["ci95"][0] == 0.0 and g["ci95"][1] == pytest.approx(0.001 + 1.96 * 0.001)
    top = group_mean([1.0, 0.99], [0.0, 0.01])
    assert top["ci95"][1] == 1.0 and top["ci95"][0] == pytest.approx(0.995 - 1.96 * 0.005)


def test_group_page_shows_partial_groups_after_ranked_ones_without_a_rank(tmp_path):
    from leaderboard import build_site

    runs = tmp_path / "runs"
    write_run(runs, "hf:/m/a", "r0", T0, {"t1": task_result(0.9, (0.85, 0.95), stderr=0.02), "img": skipped_task()},
              groups={"all_modality": group_entry(["img", "t1"], 0.9, 0.02, [0.85, 0.95], scored=["t1"])})
    write_run(runs, "hf:/m/b", "r1", T1, {"t1": task_result(0.2, (0.1, 0.3), stderr=0.05),
                                          "img": task_result(0.4, (0.3, 0.5), stderr=0.05, groups=("image",))},
              groups={"all_modality": group_entry(["img", "t1"], 0.3, 0.035, [0.23, 0.37])})
    site = tmp_path / "site"
    build_site([runs], site)
    page = (site / "group-all_modality.html").read_text()
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    rows = body.split("<tr>")[1:]
    assert len(rows) == 2
    assert '<td class="rank">1</td>' in rows[0] and ">b<" in rows[0]  # the complete group, ranked first
    assert '<td class="rank"></td>' in rows[1] and "partial (1 of 2)" in rows[1]  # a's higher value, unranked
