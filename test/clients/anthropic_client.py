"""The PyPI `anthropic` SDK against the gateway (run by test/sdk-python.test.ts).

Usage: python anthropic_client.py BASE_URL API_KEY MODEL
Runs each scenario with messages.create() and with the messages.stream() helper, and prints one
JSON object: {scenario: {"create": message, "stream": message, ...}} with each message reduced to
what the two paths must agree on. A scenario that raises reports {"error": "..."} instead.
"""
import json
import sys

import anthropic

BASE_URL, API_KEY, MODEL = sys.argv[1], sys.argv[2], sys.argv[3]
client = anthropic.Anthropic(base_url=BASE_URL, api_key=API_KEY, max_retries=0, timeout=20.0)

WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Current weather of a city",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
        "required": ["city"],
    },
}
WEATHER = {"Paris": "18°C and sunny", "Tokyo": "22°C and cloudy"}
QUESTION = "What is the weather in Paris and Tokyo?"


def essence(message):
    blocks = []
    for b in message.content:
        if b.type == "text":
            blocks.append({"type": "text", "text": b.text})
        elif b.type == "thinking":
            blocks.append({"type": "thinking", "thinking": b.thinking, "signature": b.signature})
        elif b.type == "tool_use":
            blocks.append({"type": "tool_use", "id": b.id, "name": b.name, "input": b.input})
        else:
            blocks.append({"type": b.type})
    u = message.usage
    return {
        "id_prefix": message.id[:4],
        "model": message.model,
        "role": message.role,
        "content": blocks,
        "stop_reason": message.stop_reason,
        "usage": {"input_tokens": u.input_tokens, "output_tokens": u.output_tokens, "cache_read_input_tokens": u.cache_read_input_tokens},
    }


def both(**params):
    created = client.messages.create(**params)
    texts = []
    with client.messages.stream(**params) as stream:
        for event in stream:
            if event.type == "text":
                texts.append(event.text)
        streamed = stream.get_final_message()
    return {"create": essence(created), "stream": essence(streamed), "text_events": "".join(texts)}


def text():
    return both(model=MODEL, max_tokens=64000, system="Be brief.", messages=[{"role": "user", "content": "hi"}])


def tools():
    return both(model=MODEL, max_tokens=1024, tools=[WEATHER_TOOL], messages=[{"role": "user", "content": QUESTION}])


def tool_round_trip():
    first = client.messages.create(model=MODEL, max_tokens=1024, tools=[WEATHER_TOOL], messages=[{"role": "user", "content": QUESTION}])
    calls = [b for b in first.content if b.type == "tool_use"]
    messages = [
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": c.id, "content": WEATHER[c.input["city"]]} for c in calls]},
    ]
    out = both(model=MODEL, max_tokens=1024, tools=[WEATHER_TOOL], messages=messages)
    out["calls"] = [{"id": c.id, "input": c.input} for c in calls]
    return out


def bad_key():
    try:
        anthropic.Anthropic(base_url=BASE_URL, api_key="sk-wrong", max_retries=0).messages.create(model=MODEL, max_tokens=8, messages=[{"role": "user", "content": "hi"}])
        return {"raised": None}
    except anthropic.APIStatusError as e:
        return {"raised": type(e).__name__, "status": e.status_code}


results = {}
for name, fn in [("text", text), ("tools", tools), ("tool_round_trip", tool_round_trip), ("bad_key", bad_key)]:
    try:
        results[name] = fn()
    except Exception as e:  # reported, not raised: the test shows which scenario broke and why
        results[name] = {"error": f"{type(e).__name__}: {e}"}
results["sdk_version"] = anthropic.__version__
print(json.dumps(results))
