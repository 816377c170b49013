"""The commands `demo` and `up` run for each service."""

from __future__ import annotations

from pathlib import Path

import pytest

from recognizer.settings import RecognizerSettings
from stream_app.settings import StreamAppSettings
from streamscribe.cli_settings import settings_from_args
from streamscribe.settings import KafkaSettings, TopicSettings
from tooling.cli import build_parser
from tooling.demo.stack import ServicePorts, StackPlan, recognizer_spec, stream_app_spec


def plan(**overrides: object) -> StackPlan:
    return StackPlan(
        kafka=KafkaSettings(bootstrap_servers="127.0.0.1:9"), topics=TopicSettings(chunks="c", segments="s"),
        state_dir=Path("/state"), log_dir=Path("/logs"), **overrides,
    )


def parsed(argv: list[str]):  # the child's argv after `python -m tooling.cli`
    return build_parser().parse_args(argv[argv.index("tooling.cli") + 1:])


def test_each_stream_app_worker_has_its_own_workdir_port_and_log() -> None:
    specs = [stream_app_spec(plan(stream_app_workers=2), index, 9100 + index) for index in range(2)]
    args = [parsed(spec.argv) for spec in specs]
    assert [a.workdir for a in args] == [Path("/state/stream-app/worker-0"), Path("/state/stream-app/worker-1")]
    assert [a.metrics_port for a in args] == [9100, 9101]
    assert [spec.log_file for spec in specs] == [Path("/logs/stream-app-0.log"), Path("/logs/stream-app-1.log")]
    assert all(a.bootstrap_servers == "127.0.0.1:9" and a.chunks_topic == "c" for a in args)


def test_recognizers_get_the_model_decoder_and_a_share_of_the_cores() -> None:
    alone = parsed(recognizer_spec(plan(), 0, 9200).argv)
    assert alone.model is None and alone.decoder is None and alone.torch_threads is None
    args = parsed(recognizer_spec(plan(recognizers=2, model="m.nemo", decoder="beam"), 1, 9201).argv)
    assert (args.model, args.decoder, args.metrics_port) == ("m.nemo", "beam", 9201)
    assert args.torch_threads >= 1


def test_a_plan_can_give_its_services_groups_of_their_own(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = parsed(stream_app_spec(plan(), 0, 9100).argv), parsed(recognizer_spec(plan(), 0, 9200).argv)
    assert defaults[0].app_id is None and defaults[1].group_id is None  # the services' own defaults
    own = plan(stream_app_id="run-7-app", recognizer_group="run-7-recognizers")
    # what the services run with: the plan's names, over any inherited env var
    monkeypatch.setenv("STREAMSCRIBE_STREAM_APP_APP_ID", "from-env-app")
    monkeypatch.setenv("STREAMSCRIBE_RECOGNIZER_GROUP_ID", "from-env-recognizers")
    stream_app = settings_from_args(StreamAppSettings, parsed(stream_app_spec(own, 0, 9100).argv))
    recognizer = settings_from_args(RecognizerSettings, parsed(recognizer_spec(own, 0, 9200).argv))
    assert (stream_app.app_id, recognizer.group_id) == ("run-7-app", "run-7-recognizers")


def test_fixed_ports_count_up_and_zero_means_any_free_port() -> None:
    ports = ServicePorts(stream_app=9100, recognizer=0)
    assert [ports.port(ports.stream_app, i) for i in range(3)] == [9100, 9101, 9102]
    assert ports.port(ports.recognizer, 0) > 0


def test_up_with_the_gateway_runs_it_on_the_stack_topics() -> None:
    from tooling.demo.stack import gateway_spec

    spec = gateway_spec(plan(gateway_port=8081), 8081)
    args = parsed(spec.argv)
    assert (args.command, args.port, args.chunks_topic, args.bootstrap_servers) == ("gateway", 8081, "c", "127.0.0.1:9")
    assert spec.log_file == Path("/logs/gateway.log")
    assert build_parser().parse_args(["up", "--gateway", "8080"]).gateway == 8080
