"""LLM planning with the real OpenAI SDK against a fake OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from studio.cli import main
from studio.planning.coverage import narration_problems
from studio.planning.llm import (
    LlmConfigError,
    LlmError,
    LlmPlanError,
    LlmPlanner,
    LlmSettings,
    LlmUnavailable,
)
from studio.planning.llm_prompts import fill, load_prompt
from studio.planning.llm_settings import DEFAULT_LOCAL_MODEL, DEFAULT_OPENAI_MODEL
from studio.spec import ProductionPlan, parse_document
from studio.spec.common import KNOWN_EMOTIONS, KNOWN_MOODS

KEY = "sk-test-secret-0123456789"
MODEL = "planner-model"
SCRIPT = """# The Lighthouse

The keeper climbed the stairs at dusk. The lamp had not been lit in years.

# The Storm

Rain hammered the glass. He struck a match and waited.
"""
SCENES = [
    (
        "The Lighthouse",
        ["The keeper climbed the stairs at dusk.", "The lamp had not been lit in years."],
    ),
    ("The Storm", ["Rain hammered the glass.", "He struck a match and waited."]),
]
BRIEF: dict[str, object] = {
    "production_id": "lighthouse",
    "style": "film_noir",
    "mode": "simple",
    "resolution": {"width": 1280, "height": 720, "fps": 24},
    "duration_seconds": 12,
    "assets": [
        {
            "asset_id": "keeper_photo",
            "kind": "image",
            "orientation": "portrait",
            "name": "keeper.jpg",
        }
    ],
}


def plan_answer() -> dict[str, Any]:
    """What a good model answers: one beat per scene, one shot per beat, the photo used once."""
    beats, shots, lines, script_scenes, visual_scenes = [], [], [], [], []
    start = 0.0
    movements = ["slow_push_in", "handheld"]
    for number, (title, sentences) in enumerate(SCENES, start=1):
        text = " ".join(sentences)
        beat = {
            "beat_id": f"beat_{number}",
            "start_time": start,
            "end_time": start + 6,
            "voiceover_text": text,
            "on_screen_text": sentences[0].split()[1],
            "emotion": "mysterious" if number == 1 else "tense",
        }
        source: dict[str, object] = (
            {"type": "user_image", "asset_id": "keeper_photo"}
            if number == 1
            else {"type": "generated", "generation_prompt": "Rain on a lighthouse window, noir"}
        )
        shot = {
            "shot_id": f"shot_{number}",
            "start_time": start,
            "end_time": start + 6,
            "source": source,
            "camera": {"movement": movements[number - 1], "framing": "close_up"},
        }
        beats.append(beat)
        shots.append(shot)
        lines.append({"beat_id": beat["beat_id"], "text": text})
        script_scenes.append({"scene_id": f"scene_{number}", "title": title, "beats": [beat]})
        visual_scenes.append({"scene_id": f"scene_{number}", "shots": [shot]})
        start += 6
    return {
        "production_id": "whatever-the-model-says",
        "mode": "simple",
        "style": "film_noir",
        "duration_seconds": start,
        "resolution": {"width": 1920, "height": 1080, "fps": 30},
        "script": {"raw_text": "", "language": "en", "scenes": script_scenes},
        "visual_plan": {"global_style": "film_noir", "scenes": visual_scenes},
        "audio_plan": {
            "voice": {"voice_id": "default", "language": "en", "lines": lines},
            "music": {
                "mood": "cinematic",
                "tracks": [{"track_id": "music_1", "start_time": 0, "end_time": start}],
            },
        },
    }


def broken_answer() -> dict[str, Any]:
    """A first answer with a missing required field and a dropped sentence."""
    data = plan_answer()
    del data["visual_plan"]["scenes"][1]["shots"][0]["source"]
    data["audio_plan"]["voice"]["lines"][1]["text"] = "Rain hammered the glass."
    return data


@dataclass
class Fake:
    """An OpenAI-compatible chat endpoint: answers in order, and records every request."""

    answers: list[tuple[int, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    port: int = 0
    delay: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def reply(self, content: object, finish_reason: str = "stop") -> None:
        text = content if isinstance(content, str) else json.dumps(content)
        completion = {
            "id": f"chatcmpl-{len(self.answers)}",
            "object": "chat.completion",
            "created": 0,
            "model": MODEL,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": finish_reason,
                }
            ],
        }
        self.answers.append((200, completion))

    def fail(self, status: int, message: str = "nope", **error: object) -> None:
        self.answers.append((status, {"error": {"message": message, "type": "x", **error}}))


def _handler(fake: Fake) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            fake.requests.append({"path": self.path, **json.loads(body)})
            fake.headers.append({k.lower(): v for k, v in self.headers.items()})
            time.sleep(fake.delay)
            status, answer = (
                fake.answers.pop(0) if fake.answers else (500, {"error": {"message": "empty"}})
            )
            if self.path != "/v1/chat/completions":
                status, answer = 404, "404 page not found"
            data = json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("retry-after-ms", "1")
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                return  # the client gave up waiting (the timeout test)

    return Handler


@pytest.fixture
def fake() -> Iterator[Fake]:
    state = Fake()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def planner(fake: Fake, **settings: Any) -> LlmPlanner:
    values: dict[str, Any] = {
        "api_key": KEY,
        "base_url": fake.url,
        "model": MODEL,
        "timeout": 5,
        "max_retries": 2,
    }
    return LlmPlanner(LlmSettings(**(values | settings)))


LLAMA_CPP_MAX_REPETITION = 2000


def repetition_bounds(node: object) -> list[int]:
    """Every string or array length bound in a JSON Schema."""
    keys = ("maxLength", "maxItems", "minLength", "minItems")
    if isinstance(node, dict):
        own = [v for k, v in node.items() if k in keys and isinstance(v, int)]
        return own + [b for v in node.values() for b in repetition_bounds(v)]
    if isinstance(node, list):
        return [b for item in node for b in repetition_bounds(item)]
    return []


def user_text(request: dict[str, Any]) -> str:
    return "\n".join(m["content"] for m in request["messages"] if m["role"] == "user")


def test_valid_first_answer_is_the_plan(fake: Fake) -> None:
    fake.reply(plan_answer())
    plan = planner(fake).production(SCRIPT, BRIEF)

    assert narration_problems(plan, SCRIPT) == []
    assert plan.production_id == "lighthouse", "the brief's id, not the model's"
    assert (plan.resolution.width, plan.resolution.height, plan.resolution.fps) == (1280, 720, 24)
    assert plan.script.raw_text == SCRIPT
    assert [scene.title for scene in plan.script.scenes] == ["The Lighthouse", "The Storm"]
    assert plan.shots()[0].source.asset_id == "keeper_photo"
    parse_document(plan.model_dump(mode="json"))

    assert len(fake.requests) == 1
    request = fake.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["model"] == MODEL
    assert request["temperature"] == 0
    assert isinstance(request["seed"], int)
    response_format = request["response_format"]
    assert response_format["type"] == "json_schema"
    schema = response_format["json_schema"]["schema"]
    assert {"production_id", "visual_plan", "resolution"} <= set(schema["required"])
    assert response_format["json_schema"]["strict"] is False
    assert repetition_bounds(schema), "the schema still bounds something"
    assert max(repetition_bounds(schema)) < LLAMA_CPP_MAX_REPETITION, (
        "Ollama and LM Studio (llama.cpp) refuse a schema with a length bound of 2000 or more"
    )
    assert fake.headers[0]["authorization"] == f"Bearer {KEY}"

    system, user = request["messages"][0]["content"], user_text(request)
    assert request["messages"][0]["role"] == "system"
    assert all(emotion in system for emotion in KNOWN_EMOTIONS)
    assert all(mood in system for mood in KNOWN_MOODS)
    assert "film_noir" in system
    for _, sentences in SCENES:
        for sentence in sentences:
            assert sentence in user
    assert '"keeper_photo"' in user
    assert "portrait" in user
    assert "1280x720" in user
    assert '"The Lighthouse"' in user
    assert "about 12 s" in user


def test_repair_round_sends_the_problems_and_returns_the_fixed_plan(fake: Fake) -> None:
    fake.reply(broken_answer())
    fake.reply(plan_answer())
    plan = planner(fake).production(SCRIPT, BRIEF)

    assert narration_problems(plan, SCRIPT) == []
    assert len(fake.requests) == 2
    repair = fake.requests[1]
    roles = [m["role"] for m in repair["messages"]]
    assert roles == ["system", "user", "assistant", "user"]
    assert json.loads(repair["messages"][2]["content"]) == broken_answer()
    feedback = repair["messages"][3]["content"]
    assert "1. visual_plan.scenes[1].shots[0].source: required field is missing" in feedback
    assert "2. sentence 4 of the script is spoken nowhere: 'he struck a match and waited'" in (
        feedback
    ), "the narration is checked even when the answer is not a valid plan"
    assert "Production Plan" in feedback
    assert repair["response_format"]["type"] == "json_schema"


def test_reordered_voiceover_without_voice_lines_is_named(fake: Fake) -> None:
    reordered = plan_answer()
    del reordered["audio_plan"]["voice"]["lines"]
    second_beat = reordered["script"]["scenes"][1]["beats"][0]
    second_beat["voiceover_text"] = "He struck a match and waited. Rain hammered the glass."
    fake.reply(reordered)
    fake.reply(plan_answer())
    planner(fake).production(SCRIPT, BRIEF)
    feedback = fake.requests[1]["messages"][3]["content"]
    expected = "1. sentence 4 of the script is spoken earlier, out of order: 'he struck a match"
    assert expected in feedback
    assert "2." not in feedback


def test_invented_asset_id_is_a_problem(fake: Fake) -> None:
    invented = plan_answer()
    invented["visual_plan"]["scenes"][0]["shots"][0]["source"]["asset_id"] = "beach.jpg"
    fake.reply(invented)
    fake.reply(plan_answer())
    planner(fake).production(SCRIPT, BRIEF)
    feedback = fake.requests[1]["messages"][3]["content"]
    assert "visual_plan.scenes[0].shots[0].source.asset_id: 'beach.jpg' is not one of" in feedback
    assert "keeper_photo" in feedback


def test_twice_invalid_raises_a_readable_plan_error(fake: Fake) -> None:
    fake.reply(broken_answer())
    fake.reply("Sure! Here is your plan: {")
    with pytest.raises(LlmPlanError) as caught:
        planner(fake).production(SCRIPT, BRIEF)
    message = str(caught.value)
    assert message.startswith("the LLM's Production Plan was still invalid after one repair round")
    assert "1. not valid JSON" in message
    assert "Traceback" not in message
    assert len(fake.requests) == 2


def test_pro_mode_asks_for_finer_shot_lists(fake: Fake) -> None:
    fake.reply(plan_answer())
    plan = planner(fake).production(SCRIPT, BRIEF | {"mode": "pro"})
    assert plan.mode.value == "pro"
    system = fake.requests[0]["messages"][0]["content"]
    assert "In pro mode give most beats two or three shots" in system
    assert "In simple mode" not in system


def test_markdown_fenced_answer_is_accepted(fake: Fake) -> None:
    fake.reply("```json\n" + json.dumps(plan_answer()) + "\n```")
    plan = planner(fake).production(SCRIPT, BRIEF)
    assert len(plan.beats()) == 2
    assert len(fake.requests) == 1


def test_cut_off_answer_says_so(fake: Fake) -> None:
    text = json.dumps(plan_answer())
    fake.reply(text[: len(text) // 2], finish_reason="length")
    fake.reply(text[: len(text) // 2], finish_reason="length")
    with pytest.raises(LlmPlanError) as caught:
        planner(fake).production(SCRIPT, BRIEF)
    assert "cut off at the model's output limit" in str(caught.value)


@pytest.mark.parametrize("status", [401, 403])
def test_rejected_openai_key_names_the_variable(fake: Fake, status: int) -> None:
    fake.fail(status, "Incorrect API key provided: sk-test-***")
    with pytest.raises(LlmConfigError) as caught:
        planner(fake).production(SCRIPT, BRIEF)
    message = str(caught.value)
    assert "OPENAI_API_KEY" in message
    assert f"HTTP {status}" in message
    assert KEY not in message
    assert len(fake.requests) == 1, "a rejected key is not retried"


def test_rejected_local_key_names_the_studio_variable(fake: Fake) -> None:
    fake.fail(401)
    local = planner(fake, key_variable="STUDIO_LLM_API_KEY")
    with pytest.raises(LlmConfigError, match="STUDIO_LLM_API_KEY"):
        local.hooks("an idea", 3)


def test_unknown_model_names_the_model_variable(fake: Fake) -> None:
    fake.fail(404, f'model "{MODEL}" not found, try pulling it first', code="model_not_found")
    with pytest.raises(LlmConfigError) as caught:
        planner(fake).production(SCRIPT, BRIEF)
    assert "STUDIO_LLM_MODEL" in str(caught.value)
    assert repr(MODEL) in str(caught.value)


def test_wrong_path_names_the_base_url(fake: Fake) -> None:
    local = planner(
        fake, base_url=f"http://127.0.0.1:{fake.port}", key_variable="STUDIO_LLM_API_KEY"
    )
    with pytest.raises(LlmConfigError, match="check STUDIO_LLM_BASE_URL"):
        local.hooks("an idea", 3)


def test_server_error_is_retried_then_succeeds(fake: Fake) -> None:
    fake.fail(500)
    fake.reply(plan_answer())
    plan = planner(fake).production(SCRIPT, BRIEF)
    assert plan.production_id == "lighthouse"
    assert len(fake.requests) == 2
    assert fake.requests[0] == fake.requests[1], "the retry resends the same request"


@pytest.mark.parametrize("status", [429, 503])
def test_persistent_outage_is_unavailable_after_retries(fake: Fake, status: int) -> None:
    for _ in range(3):
        fake.fail(status)
    with pytest.raises(LlmUnavailable) as caught:
        planner(fake).production(SCRIPT, BRIEF)
    assert f"HTTP {status}" in str(caught.value)
    assert len(fake.requests) == 3


def test_nothing_listening_is_unavailable_and_names_the_url() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    settings = LlmSettings(KEY, url, MODEL, 5, max_retries=0, key_variable="STUDIO_LLM_API_KEY")
    with pytest.raises(LlmUnavailable) as caught:
        LlmPlanner(settings).hooks("an idea", 3)
    assert url in str(caught.value)
    assert "STUDIO_LLM_BASE_URL" in str(caught.value)


def test_slow_endpoint_times_out_and_says_which_variable_to_raise(fake: Fake) -> None:
    fake.delay = 1.0
    fake.reply({"hooks": ["Too late"]})
    slow = planner(fake, timeout=0.2, max_retries=0, key_variable="STUDIO_LLM_API_KEY")
    with pytest.raises(LlmUnavailable) as caught:
        slow.hooks("an idea", 1)
    assert "did not answer within 0.2 s" in str(caught.value)
    assert "STUDIO_LLM_TIMEOUT" in str(caught.value)


def test_server_words_never_echo_the_key(fake: Fake) -> None:
    fake.fail(422, f"cannot use {KEY} with this model")
    with pytest.raises(LlmError) as caught:
        planner(fake).hooks("an idea", 1)
    assert "HTTP 422" in str(caught.value)
    assert KEY not in str(caught.value)


def test_refused_temperature_is_dropped_and_resent(fake: Fake) -> None:
    fake.fail(400, "Unsupported value: 'temperature' does not support 0", param="temperature")
    fake.reply({"hooks": ["Stop planning your videos like this"]})
    assert planner(fake).hooks("an idea", 1) == ["Stop planning your videos like this"]
    assert "temperature" in fake.requests[0]
    assert "temperature" not in fake.requests[1]
    assert fake.requests[1]["seed"] == fake.requests[0]["seed"]


def test_other_bad_request_is_an_error_with_the_servers_words(fake: Fake) -> None:
    fake.fail(400, "This model's maximum context length is 8192 tokens")
    with pytest.raises(LlmError, match="maximum context length"):
        planner(fake).hooks("an idea", 3)


def test_hooks_are_read_from_structured_output(fake: Fake) -> None:
    hooks = ["3 habits that quietly wreck your sleep", "Stop drinking coffee after noon"]
    fake.reply({"hooks": [*hooks, "stop drinking  coffee after noon", "A third one"]})
    material = "Sleep research says caffeine lasts hours; three habits matter most."
    got = planner(fake).hooks(material, 3, kind="idea")
    assert got == [*hooks, "A third one"], "duplicates dropped, order kept"
    request = fake.requests[0]
    assert request["response_format"]["type"] == "json_schema"
    assert request["response_format"]["json_schema"]["name"] == "hooks"
    assert request["temperature"] == 0
    assert material in user_text(request)
    assert "Write 3 different hooks" in user_text(request)
    assert "this idea" in user_text(request)


def test_hooks_beyond_n_are_cut(fake: Fake) -> None:
    fake.reply(["One hook here", "Two hook here", "Three hook here"])
    assert planner(fake).hooks("idea", 2) == ["One hook here", "Two hook here"]


def test_long_hook_is_repaired(fake: Fake) -> None:
    long_hook = "This is a very long hook that keeps on going well past twelve words total"
    fake.reply({"hooks": [long_hook]})
    fake.reply({"hooks": ["A short hook"]})
    assert planner(fake).hooks("idea", 1) == ["A short hook"]
    feedback = fake.requests[1]["messages"][-1]["content"]
    assert "1. hooks[0]: 15 words, at most 12" in feedback


def test_hooks_invalid_twice_is_a_plan_error(fake: Fake) -> None:
    fake.reply("hooks: one, two")
    fake.reply({"hooks": "one"})
    with pytest.raises(LlmPlanError) as caught:
        planner(fake).hooks("idea", 2)
    assert "array of strings" in str(caught.value)
    assert "not valid JSON" in fake.requests[1]["messages"][-1]["content"]


def test_legacy_httpx_client_is_accepted(fake: Fake) -> None:
    fake.reply({"hooks": ["Never do this"]})
    settings = LlmSettings(KEY, fake.url, MODEL, 5)
    with httpx.Client() as client:
        assert LlmPlanner(settings, http_client=client).hooks("idea", 1) == ["Never do this"]


def test_from_env_openai() -> None:
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": "https://proxy.example/v1"}
    settings = LlmSettings.from_env(env)
    assert settings is not None
    assert (settings.api_key, settings.base_url) == (KEY, "https://proxy.example/v1")
    assert settings.model == DEFAULT_OPENAI_MODEL
    assert settings.key_variable == "OPENAI_API_KEY"
    assert KEY not in repr(settings)
    chosen = LlmSettings.from_env({"OPENAI_API_KEY": KEY, "STUDIO_LLM_MODEL": "gpt-4.1"})
    assert chosen is not None
    assert (chosen.base_url, chosen.model) == (None, "gpt-4.1")


def test_from_env_local_endpoint_without_key() -> None:
    env = {"STUDIO_LLM_BASE_URL": "localhost:11434", "OPENAI_API_KEY": KEY}
    settings = LlmSettings.from_env(env)
    assert settings is not None
    assert settings.base_url == "http://localhost:11434/v1"
    assert settings.api_key == "local", "the OpenAI key never goes to another endpoint"
    assert settings.model == DEFAULT_LOCAL_MODEL
    assert settings.key_variable == "STUDIO_LLM_API_KEY"
    lm_studio = LlmSettings.from_env(
        {
            "STUDIO_LLM_BASE_URL": "http://127.0.0.1:1234/v1/",
            "STUDIO_LLM_API_KEY": "lm-key",
            "STUDIO_LLM_MODEL": "qwen2.5-7b-instruct",
            "STUDIO_LLM_TIMEOUT": "300",
        }
    )
    assert lm_studio == LlmSettings(
        "lm-key",
        "http://127.0.0.1:1234/v1",
        "qwen2.5-7b-instruct",
        300.0,
        key_variable="STUDIO_LLM_API_KEY",
    )


def test_from_env_nothing_configured() -> None:
    assert LlmSettings.from_env({}) is None
    assert LlmSettings.from_env({"OPENAI_API_KEY": "  ", "STUDIO_LLM_MODEL": "x"}) is None


@pytest.mark.parametrize("value", ["soon", "0", "-5", "nan"])
def test_from_env_bad_timeout_names_the_variable(value: str) -> None:
    with pytest.raises(LlmConfigError, match="STUDIO_LLM_TIMEOUT"):
        LlmSettings.from_env({"OPENAI_API_KEY": KEY, "STUDIO_LLM_TIMEOUT": value})


def test_local_endpoint_from_env_plans_against_the_fake(
    fake: Fake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_LLM_BASE_URL", f"127.0.0.1:{fake.port}")
    monkeypatch.setenv("STUDIO_LLM_MODEL", "llama3.1:8b")
    settings = LlmSettings.from_env()
    assert settings is not None
    fake.reply(plan_answer())
    plan = LlmPlanner(settings).production(SCRIPT, BRIEF | {"production_id": "local"})
    assert plan.production_id == "local"
    assert fake.requests[0]["model"] == "llama3.1:8b"
    assert fake.headers[0]["authorization"] == "Bearer local"


def test_every_prompt_fills_without_leftover_placeholders() -> None:
    for name in ("production_plan", "hooks", "repair"):
        messages = load_prompt(name)
        assert messages, name
        assert not any("<!--" in template.template for _, template in messages)
    with pytest.raises(KeyError):
        fill("repair", {"problems": "1. x"})


def test_shorts_hooks_command_ranks_llm_hooks_with_the_offline_ones(
    fake: Fake, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STUDIO_LLM_BASE_URL", fake.url)
    written = "Why 9 out of 10 sleepers get this wrong?"
    fake.reply({"hooks": [written, "Sleep is nice"]})
    assert main(["shorts", "hooks", "sleep better", "--from", "idea", "-n", "20", "--json"]) == 0
    hooks = json.loads(capsys.readouterr().out)
    texts = [hook["text"] for hook in hooks]
    assert written in texts, "the LLM's hook is offered"
    assert len(texts) > 2, "the offline pattern hooks are still offered"
    scores = [hook["score"] for hook in hooks]
    assert scores == sorted(scores, reverse=True)
    assert "sleep better" in user_text(fake.requests[0])


def test_shorts_hooks_command_falls_back_when_the_llm_fails(
    fake: Fake, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STUDIO_LLM_BASE_URL", fake.url)
    monkeypatch.setenv("STUDIO_LLM_API_KEY", "wrong")
    fake.fail(401, "bad key")
    assert main(["shorts", "hooks", "sleep better", "--from", "idea", "--json"]) == 0
    captured = capsys.readouterr()
    assert "STUDIO_LLM_API_KEY" in captured.err
    assert "offline hooks" in captured.err
    assert json.loads(captured.out), "offline hooks are printed"


def test_studio_plan_uses_the_llm_plan_retimed_by_the_voice(
    fake: Fake, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("STUDIO_LLM_BASE_URL", fake.url)
    fake.reply(plan_answer())
    script = tmp_path / "lighthouse.md"
    script.write_text(SCRIPT, encoding="utf-8")
    photos = tmp_path / "photos"
    photos.mkdir()
    Image.new("RGB", (90, 160), "gray").save(photos / "keeper_photo.jpg")
    out = tmp_path / "plan.json"
    args = ["--assets", str(photos), "--estimate", "--style", "film_noir", "-o", str(out)]
    assert main(["plan", str(script), *args]) == 0
    plan = ProductionPlan.model_validate_json(out.read_text(encoding="utf-8"))
    assert [scene.title for scene in plan.script.scenes] == ["The Lighthouse", "The Storm"]
    assert narration_problems(plan, SCRIPT) == []
    assert len(fake.requests) == 1, "the LLM planned it"
    beats = plan.beats()
    assert beats[0].start_time == 0
    assert plan.duration_seconds == pytest.approx(beats[-1].end_time)


def test_studio_plan_falls_back_to_the_offline_planner_with_a_message(
    fake: Fake,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("STUDIO_LLM_BASE_URL", fake.url)
    fake.reply(broken_answer())
    fake.reply(broken_answer())
    script = tmp_path / "lighthouse.md"
    script.write_text(SCRIPT, encoding="utf-8")
    out = tmp_path / "plan.json"
    assert main(["plan", str(script), "--estimate", "-o", str(out)]) == 0
    assert "using the offline planner" in capsys.readouterr().err
    plan = ProductionPlan.model_validate_json(out.read_text(encoding="utf-8"))
    assert narration_problems(plan, SCRIPT) == []
    assert len(fake.requests) == 2, "one answer and one repair round"
