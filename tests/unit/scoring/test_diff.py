from scoring.diff import draft_diff


def _result(**people):
    return {"people": {pid: {"deductions": d, "score": 100 - d, "fine": f, "worst": f > 0, "star": False}
                       for pid, (d, f) in people.items()},
            "stars": {"invoicing": {"person": "xiaowang"}}}


def test_a_first_draft_has_no_changes():
    assert draft_diff(None, _result(zhangsan=(10, 0))) == []


def test_the_same_result_has_no_changes():
    assert draft_diff(_result(zhangsan=(10, 0)), _result(zhangsan=(10, 0))) == []


def test_changed_figures_are_listed_per_person_and_star():
    before = _result(zhangsan=(10, 0), lisi=(5, 0))
    after = _result(zhangsan=(20, 500), wangwu=(5, 0))
    after["stars"]["invoicing"]["person"] = None
    rows = {(r["who"], r["field"]): (r["before"], r["after"]) for r in draft_diff(before, after)}
    assert rows[("zhangsan", "deductions")] == (10, 20)
    assert rows[("zhangsan", "score")] == (90, 80)
    assert rows[("zhangsan", "fine")] == (0, 500)
    assert rows[("zhangsan", "worst")] == (False, True)
    assert rows[("lisi", "deductions")] == (5, None)
    assert rows[("wangwu", "deductions")] == (None, 5)
    assert rows[("invoicing", "star_person")] == ("xiaowang", None)
