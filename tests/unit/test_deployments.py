"""prefect.yaml names flows that exist, with the schedules docs/production.md promises."""

from __future__ import annotations

import importlib.util

import yaml

from tests.conftest import ROOT
from workflows.serve import deployments


def test_every_deployment_points_at_a_flow_of_the_project():
    from prefect import Flow

    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    names = []
    for dep in spec["deployments"]:
        path, func = dep["entrypoint"].split(":")
        module_spec = importlib.util.spec_from_file_location("entry", ROOT / path)
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        assert isinstance(getattr(module, func), Flow), dep["entrypoint"]
        assert dep["work_pool"]["name"] == "jiandu"
        names.append(dep["name"])
    assert names == ["every-minute", "sweep", "draw-on-the-1st", "draft-on-the-1st"]
    assert spec["deployments"][1]["schedules"][0] == {"interval": 60}  # messages go on commit
    assert [d.name for d in deployments()] == names  # jiandu serve serves the same ones
    assert spec["deployments"][2]["schedules"][0] == {"cron": "5 0 1 * *", "timezone": "Asia/Shanghai"}
    monthly = spec["deployments"][3]["schedules"][0]
    assert monthly == {"cron": "0 9 1 * *", "timezone": "Asia/Shanghai"}
