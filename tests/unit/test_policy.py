"""The policy file: every number of the regulation, refused with the key named, versioned."""

from __future__ import annotations

import pytest

from core.policy import DEFAULT_POLICY_PATH, PolicyError, load_policy
from jiandu.cli import main

TEXT = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")


def write(tmp_path, text):
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_policy_holds_the_defaults_of_rules_md():
    p = load_policy()
    assert p.complaints.repeat == "ordinal"
    assert p.complaints.base_points.model_dump() == {"attitude": 5, "dispute": 10, "other": 5}
    assert (p.joint.supervisor.from_complaint, p.joint.supervisor.points) == (2, 3)
    assert (p.joint.leader.from_complaint, p.joint.leader.points) == (3, 3)
    assert p.inactivity.points == 3 and p.star.reward == 500
    assert (p.worst.threshold, p.worst.fine, p.dismissal.worst_count) == (2, 500, 3)
    assert (p.score.baseline, p.score.floor) == (100, 0)
    assert (p.clocks.respond_minutes, p.clocks.on_site_minutes, p.clocks.resolve_minutes,
            p.clocks.escalation_minutes) == (30, 120, 1440, 120)
    assert p.clocks.warn_at == [0.5, 0.8]


@pytest.mark.parametrize("old,new,message", [
    ("fine = 500", "fine = 500\nfines = 1", "worst.fines: unknown key"),
    ("fine = 500", 'fine = "500"', "worst.fine: Input should be a valid integer"),
    ('repeat = "ordinal"', 'repeat = "squared"', "complaints.repeat"),
    ("respond_minutes = 30\n", "", "clocks.respond_minutes: missing key"),
    ("[star]", "[stars]", "star: missing key"),
])
def test_a_bad_policy_is_refused_naming_the_key(tmp_path, old, new, message):
    assert old in TEXT
    with pytest.raises(PolicyError, match=message.replace("[", r"\[")):
        load_policy(write(tmp_path, TEXT.replace(old, new, 1)))


def test_the_version_follows_the_numbers_not_the_comments(tmp_path):
    base = load_policy().version
    assert load_policy(write(tmp_path, "# a new comment\n" + TEXT)).version == base
    assert load_policy(write(tmp_path, TEXT.replace("fine = 500", "fine = 600"))).version != base


def test_score_refuses_a_bad_policy_with_exit_2(tmp_path, capsys):
    facts = tmp_path / "facts.json"
    facts.write_text('{"month": "2026-11", "people": []}', encoding="utf-8")
    bad = write(tmp_path, TEXT.replace("fine = 500", "fine = -1"))
    assert main(["score", "--facts", str(facts), "--policy", str(bad), "--json"]) == 2
    assert "worst.fine" in capsys.readouterr().err
