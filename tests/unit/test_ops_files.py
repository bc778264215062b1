"""Rules of the ops files: pid files that survive pid reuse, control requests, logs, redis.conf."""

import os
import socket
import threading
import time
from pathlib import Path

import psutil

from landkontor.ops import logfiles, processes, redis_server
from landkontor.ops.runfiles import PidRecord, RunFiles
from landkontor.ops.runtime import describe_exit
from landkontor.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def _settings(tmp_path: Path, **values) -> Settings:
    return Settings(var_dir=tmp_path / "var", **values)


def test_pid_record_finds_its_live_process(tmp_path):
    runfiles = RunFiles(_settings(tmp_path))
    runfiles.write_pid(PidRecord.for_process("api", os.getpid(), 8000))
    assert runfiles.live_process("api").pid == os.getpid()
    assert runfiles.read_pid("api").port == 8000


def test_pid_record_of_a_reused_pid_is_not_ours(tmp_path):
    runfiles = RunFiles(_settings(tmp_path))
    created = psutil.Process().create_time()
    runfiles.write_pid(PidRecord("api", os.getpid(), created - 3600))  # same pid, older process
    assert runfiles.live_process("api") is None


def test_only_one_supervisor_can_claim_the_pid_file(tmp_path):
    runfiles = RunFiles(_settings(tmp_path))
    record = PidRecord.for_process("supervisor", os.getpid())
    assert runfiles.claim_pid(record) is True
    assert runfiles.claim_pid(record) is False


def test_control_requests_are_taken_once(tmp_path):
    runfiles = RunFiles(_settings(tmp_path))
    runfiles.request("restart", "api")
    runfiles.request("stop")
    assert sorted(runfiles.take_requests()) == [("restart", "api"), ("stop", "")]
    assert runfiles.take_requests() == []


def test_rotation_keeps_backups_and_the_writer_continues(tmp_path):
    path = tmp_path / "api.log"
    with open(path, "ab", buffering=0) as writer:  # like a service's stdout
        for generation in range(4):
            writer.write(f"generation {generation}\n".encode() * 100)
            assert logfiles.rotate_if_needed(path, max_bytes=1000, backups=2)
        writer.write(b"after rotation\n")
    assert path.read_bytes() == b"after rotation\n"  # no hole of NUL bytes before it
    assert path.with_name("api.log.1").read_text().startswith("generation 3")
    assert path.with_name("api.log.2").read_text().startswith("generation 2")
    assert not path.with_name("api.log.3").exists()
    assert logfiles.rotate_if_needed(path, max_bytes=1000, backups=2) is False


def test_tail_reads_the_last_lines_of_a_large_file(tmp_path):
    path = tmp_path / "big.log"
    path.write_text("".join(f"line {i}\n" for i in range(50_000)))
    assert logfiles.tail(path, 3) == ["line 49997", "line 49998", "line 49999"]
    assert logfiles.tail(tmp_path / "missing.log", 3) == []


def test_follow_yields_new_lines_and_survives_truncation(tmp_path):
    path = tmp_path / "worker.log"
    path.write_text("old line\n")
    seen: list[str] = []
    done = threading.Event()

    def reader():
        for line in logfiles.follow(path, poll=0.02, keep_going=lambda: not done.is_set()):
            seen.append(line)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        time.sleep(0.2)  # let the reader reach the end of the file
        with open(path, "a") as handle:
            handle.write("first\nsecond\n")
        deadline = time.monotonic() + 5
        while len(seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        path.write_text("")  # rotated
        with open(path, "a") as handle:
            handle.write("after rotation\n")
        while len(seen) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        done.set()
        thread.join(5)
    assert seen == ["first", "second", "after rotation"]


def test_managed_redis_config_has_the_broker_settings(tmp_path):
    settings = _settings(tmp_path, broker_url="redis://:s3cret@127.0.0.1:16999/0")
    text = redis_server.render_config(settings)
    assert "port 16999" in text and "bind 127.0.0.1" in text
    assert 'requirepass "s3cret"' in text
    for key, value in redis_server.BROKER_CONFIG.items():
        assert f"\n{key} {value}\n" in text


def test_production_redis_conf_has_the_same_broker_settings():
    lines = (REPO / "deploy" / "redis" / "redis.conf").read_text().splitlines()
    settings = dict(
        line.split(None, 1) for line in lines if line.strip() and not line.startswith("#")
    )
    for key, value in redis_server.BROKER_CONFIG.items():
        assert settings.get(key, "").split("#")[0].strip() == value, key


def test_only_local_broker_urls_may_get_a_managed_redis():
    assert redis_server.is_local("redis://127.0.0.1:6379/0")
    assert redis_server.is_local("redis://localhost/1")
    assert not redis_server.is_local("redis://broker.example:6379/0")
    assert redis_server.url_port("redis://localhost/1") == 6379


def test_port_holder_names_the_listening_process():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        holder = processes.port_holder(port)
        assert holder is not None and holder.pid == os.getpid()
        assert str(os.getpid()) in holder.describe()
    assert processes.port_holder(port) is None


def test_exit_descriptions_name_the_signal():
    assert describe_exit(3) == "exited with code 3"
    assert describe_exit(-9) == "was killed by SIGKILL"
    assert describe_exit(None) == "ended"


def test_up_with_a_rabbitmq_url_starts_no_redis_and_waits_for_rabbitmq(tmp_path):
    from landkontor.ops.specs import UpOptions, build_plan

    url = "amqp://landkontor:pw@rabbitmq.example.de:5672/landkontor"
    plan = build_plan(_settings(tmp_path, broker_url=url), UpOptions(), prepare=lambda: "")
    services = {spec.name: spec for spec in plan.services}
    assert "redis" not in services
    rabbitmq = services["rabbitmq"]
    assert rabbitmq.kind == "external" and rabbitmq.port == 5672 and "pw" not in rabbitmq.url
    assert all("rabbitmq" in services[name].needs for name in ("api", "worker", "beat"))
