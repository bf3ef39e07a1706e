"""The PyPI `openai` SDK against the gateway (run by test/sdk-python.test.ts).

Usage: python openai_client.py BASE_URL API_KEY MODEL   (BASE_URL ends in /v1)
Runs each scenario with chat.completions.create(), with the chat.completions.stream() helper and
with a raw stream=True iteration accumulated by hand, and prints one JSON object:
{scenario: {"create": ..., "stream": ..., "raw": ...}}. A scenario that raises reports {"error"}.
"""
import json
import sys

import openai

BASE_URL, API_KEY, MODEL = sys.argv[1], sys.argv[2], sys.argv[3]
client = openai.OpenAI(base_url=BASE_URL, api_key=API_KEY, max_retries=0, timeout=20.0)

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather of a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
            "required": ["city"],
        },
    },
}
WEATHER = {"Paris": "18°C and sunny", "Tokyo": "22°C and cloudy"}
QUESTION = "What is the weather in Paris and Tokyo?"


def essence(completion):
    choice = completion.choices[0]
    m = choice.message
    u = completion.usage
    return {
        "model": completion.model,
        "choices": len(completion.choices),
        "role": m.role,
        "content": m.content,
        "tool_calls": [{"id": t.id, "name": t.function.name, "arguments": json.loads(t.function.arguments)} for t in (m.tool_calls or [])],
        "finish_reason": choice.finish_reason,
        "usage": None if u is None else {"prompt_tokens": u.prompt_tokens, "completion_tokens": u.completion_tokens, "total_tokens": u.total_tokens},
    }


def raw(**params):
    content, reasoning, finish, usage, calls = "", "", None, None, {}
    for chunk in client.chat.completions.create(stream=True, stream_options={"include_usage": True}, **params):
        if chunk.usage is not None:
            usage = {"prompt_tokens": chunk.usage.prompt_tokens, "completion_tokens": chunk.usage.completion_tokens, "total_tokens": chunk.usage.total_tokens}
        if not chunk.choices:
            continue
        choice = chunk.choices[0]
        delta = choice.delta
        content += delta.content or ""
        reasoning += (delta.model_extra or {}).get("reasoning_content") or ""
        for t in delta.tool_calls or []:
            call = calls.setdefault(t.index, {"id": None, "name": None, "arguments": ""})
            if t.id:
                call["id"] = t.id
            if t.function and t.function.name:
                call["name"] = t.function.name
            if t.function and t.function.arguments:
                call["arguments"] += t.function.arguments
        finish = choice.finish_reason or finish
    tool_calls = [{"id": c["id"], "name": c["name"], "arguments": json.loads(c["arguments"])} for _, c in sorted(calls.items())]
    return {"content": content, "reasoning": reasoning, "tool_calls": tool_calls, "finish_reason": finish, "usage": usage}


def all_ways(**params):
    created = client.chat.completions.create(**params)
    with client.chat.completions.stream(stream_options={"include_usage": True}, **params) as stream:
        for _ in stream:
            pass
        streamed = stream.get_final_completion()
    reasoning = (created.choices[0].message.model_extra or {}).get("reasoning_content")
    return {"create": essence(created), "stream": essence(streamed), "raw": raw(**params), "create_reasoning": reasoning}


def text():
    return all_ways(model=MODEL, messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}])


def tools():
    return all_ways(model=MODEL, tools=[WEATHER_TOOL], messages=[{"role": "user", "content": QUESTION}])


def tool_round_trip():
    first = client.chat.completions.create(model=MODEL, tools=[WEATHER_TOOL], messages=[{"role": "user", "content": QUESTION}])
    m = first.choices[0].message
    messages = [
        {"role": "user", "content": QUESTION},
        m.model_dump(exclude_none=True, include={"role", "content", "tool_calls"}),
        *[{"role": "tool", "tool_call_id": t.id, "content": WEATHER[json.loads(t.function.arguments)["city"]]} for t in m.tool_calls],
    ]
    out = all_ways(model=MODEL, tools=[WEATHER_TOOL], messages=messages)
    out["calls"] = [{"id": t.id, "arguments": json.loads(t.function.arguments)} for t in m.tool_calls]
    return out


def unknown_model():
    try:
        client.chat.completions.create(model="no-such-model", messages=[{"role": "user", "content": "hi"}])
        return {"raised": None}
    except openai.APIStatusError as e:
        return {"raised": type(e).__name__, "status": e.status_code}


results = {}
for name, fn in [("text", text), ("tools", tools), ("tool_round_trip", tool_round_trip), ("unknown_model", unknown_model)]:
    try:
        results[name] = fn()
    except Exception as e:  # reported, not raised: the test shows which scenario broke and why
        results[name] = {"error": f"{type(e).__name__}: {e}"}
results["sdk_version"] = openai.__version__
print(json.dumps(results))
