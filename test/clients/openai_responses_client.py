"""The PyPI `openai` SDK's Responses API against the gateway (run by test/sdk-python.test.ts).

Usage: python openai_responses_client.py BASE_URL API_KEY MODEL   (BASE_URL ends in /v1)
Runs each scenario with responses.create() and with the responses.stream() helper (its
get_final_response()), and prints one JSON object: {scenario: {"create": ..., "stream": ...}}, each
the essence of the response (its output items without the ids the gateway invents). A scenario
that raises reports {"error"}.
"""
import json
import sys

import openai

BASE_URL, API_KEY, MODEL = sys.argv[1], sys.argv[2], sys.argv[3]
client = openai.OpenAI(base_url=BASE_URL, api_key=API_KEY, max_retries=0, timeout=20.0)

WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather of a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string", "description": "City name"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
        "required": ["city"],
    },
    "strict": False,
}
WEATHER = {"Paris": "18°C and sunny", "Tokyo": "22°C and cloudy"}
QUESTION = "What is the weather in Paris and Tokyo?"


def item_essence(item):
    if item.type == "message":
        return {"type": "message", "role": item.role, "text": "".join(getattr(c, "text", "") or "" for c in item.content)}
    if item.type == "reasoning":
        return {"type": "reasoning", "text": "".join(c.text for c in (item.content or [])), "signed": isinstance(item.encrypted_content, str)}
    if item.type == "function_call":
        return {"type": "function_call", "call_id": item.call_id, "name": item.name, "arguments": json.loads(item.arguments)}
    return {"type": item.type}


def essence(response):
    u = response.usage
    return {
        "model": response.model,
        "status": response.status,
        "output": [item_essence(i) for i in response.output],
        "output_text": response.output_text,
        "usage": None if u is None else {"input_tokens": u.input_tokens, "output_tokens": u.output_tokens},
    }


def both_ways(**params):
    created = client.responses.create(**params)
    deltas = []
    with client.responses.stream(**params) as stream:
        for event in stream:
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
        streamed = stream.get_final_response()
    return {"create": essence(created), "stream": essence(streamed), "deltas": "".join(deltas)}


def text():
    return both_ways(model=MODEL, instructions="Be brief.", input="hi")


def tools():
    return both_ways(model=MODEL, input=QUESTION, tools=[WEATHER_TOOL])


def tool_round_trip():
    first = client.responses.create(model=MODEL, input=QUESTION, tools=[WEATHER_TOOL])
    calls = [i for i in first.output if i.type == "function_call"]
    # The whole output goes back (reasoning with its encrypted_content included), then the outputs.
    items = [{"role": "user", "content": QUESTION}]
    items += [i.model_dump(exclude_none=True) for i in first.output]
    items += [{"type": "function_call_output", "call_id": c.call_id, "output": WEATHER[json.loads(c.arguments)["city"]]} for c in calls]
    out = both_ways(model=MODEL, input=items, tools=[WEATHER_TOOL])
    out["calls"] = [{"call_id": c.call_id, "arguments": json.loads(c.arguments)} for c in calls]
    return out


def refused():
    try:
        client.responses.create(model=MODEL, input="hi", previous_response_id="resp_earlier")
        return {"raised": None}
    except openai.APIStatusError as e:
        return {"raised": type(e).__name__, "status": e.status_code}


results = {}
for name, fn in [("text", text), ("tools", tools), ("tool_round_trip", tool_round_trip), ("refused", refused)]:
    try:
        results[name] = fn()
    except Exception as e:  # reported, not raised: the test shows which scenario broke and why
        results[name] = {"error": f"{type(e).__name__}: {e}"}
results["sdk_version"] = openai.__version__
print(json.dumps(results))
