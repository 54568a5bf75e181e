"""The README tour's example files stay what the tour says they are (docs/examples/)."""

from __future__ import annotations

from core.policy import load_policy
from tests.conftest import ROOT


def _leaves(value, where=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{where}.{key}" if where else key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _leaves(item, f"{where}[{i}]")
    else:
        yield where, value


def test_the_draft_policy_is_the_policy_with_one_number_changed():
    """A copy of config/policy.toml drifts (it had lost the incident steps' English labels): any
    other difference would make the tour's what-if show more than the one change it explains."""
    policy = dict(_leaves(load_policy(ROOT / "config" / "policy.toml").model_dump(mode="json")))
    draft = dict(_leaves(load_policy(ROOT / "docs" / "examples" / "draft.toml").model_dump(mode="json")))
    changed = {key: (policy.get(key), draft.get(key)) for key in policy.keys() | draft.keys()
               if policy.get(key) != draft.get(key)}
    assert list(changed.values()) == [(3, 5)], changed


def test_my_org_is_the_sample_with_one_leaver_and_one_joiner():
    """The tour's reload shows one person deactivated and one added, nothing else."""
    import yaml

    sample = yaml.safe_load((ROOT / "config" / "org.sample.yaml").read_text(encoding="utf-8"))
    mine = yaml.safe_load((ROOT / "docs" / "examples" / "my-org.yaml").read_text(encoding="utf-8"))
    people = {p["id"]: p for p in sample["people"]}, {p["id"]: p for p in mine["people"]}
    assert set(people[0]) - set(people[1]) == {"maliu"} and set(people[1]) - set(people[0]) == {"xuejiu"}
    assert all(people[0][pid] == people[1][pid] for pid in people[0].keys() & people[1].keys())
    assert {k: v for k, v in sample.items() if k != "people"} == {k: v for k, v in mine.items() if k != "people"}
