"""Draws bench/results.png from bench/results.json (written by bench/run.ts).

Four panels: non-streaming throughput at 16 connections, latency added at one connection,
streaming relay throughput, and time to first byte added by each proxy (log scales).
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

res = json.load(open(sys.argv[1]))
out = sys.argv[2]
rows = res["rows"]


def pick(prefix, conns):
    return [r for r in rows if r["scenario"].startswith(prefix) and r["conns"] == conns and r.get("rps")]


def color(target):
    t = target.lower()
    if t.startswith("gateway"):
        return "#1f77b4"
    if t.startswith("upstream"):
        return "#7f7f7f"
    if t.startswith("nginx"):
        return "#2ca02c"
    if t.startswith("minimal"):
        return "#ff7f0e"
    return "#d62728"


def openai_side(target):
    return "OpenAI passthrough" in target or target.startswith("LiteLLM") or target.startswith("upstream direct (OpenAI")


def bars(ax, items, title, fmt, target_line=None):
    labels = [r[0] for r in items]
    values = [max(r[1], 1) for r in items]
    ax.barh(labels, values, color=[color(l) for l in labels])
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.set_title(title, fontsize=11)
    for i, v in enumerate(values):
        ax.text(v, i, " " + fmt(items[i][1]), va="center", fontsize=8)
    if target_line:
        ax.axvline(target_line[0], color="black", linestyle="--", linewidth=1)
        ax.text(target_line[0], len(items) - 0.6, " " + target_line[1], fontsize=8)
    ax.set_xlim(right=max(values) * 8)


def added(group, key):
    direct_a = next((r for r in group if r["target"].startswith("upstream direct (Anthropic")), None)
    direct_o = next((r for r in group if r["target"].startswith("upstream direct (OpenAI")), None) or direct_a
    outl = []
    for r in group:
        if r["target"].startswith("upstream direct"):
            continue
        d = direct_o if openai_side(r["target"]) else direct_a
        if d and r.get(key) is not None:
            outl.append((r["target"], r[key] - d[key]))
    return outl


fig, axes = plt.subplots(2, 2, figsize=(17, 13))
bars(axes[0][0], [(r["target"], r["rps"]) for r in pick("a.", 16)], "Small request, non-streaming, 16 connections: requests/s", lambda v: f"{v:,.0f}")
bars(axes[0][1], added(pick("a.", 1), "p50Us"), "Latency added at 1 connection: p50 minus direct, µs", lambda v: f"{v:,.0f} µs", (150, "target 150 µs"))
bars(axes[1][0], [(r["target"], r["rps"]) for r in pick("b2.", 16)], "Streaming relay, 200 chunks, 16 streams at once: streams/s", lambda v: f"{v:,.0f}")
bars(axes[1][1], added(pick("b1.", 1), "ttfbP50Us"), "Streaming, time to first byte added (p50), µs", lambda v: f"{v:,.0f} µs", (1000, "target 1 ms"))
m = res["machine"]
fig.suptitle(
    f"llm-gateway benchmarks, {res['startedAt'][:16].replace('T', ' ')} UTC, {res.get('gitRev', '')}, {m['nproc']} cores {m['cpuModel']}\n"
    "blue: the gateway, grey: the fake upstream direct, green: nginx proxy_pass, orange: a minimal Bun proxy (the runtime floor), red: other gateways (log scales)",
    fontsize=12,
)
fig.tight_layout()
fig.savefig(out, dpi=80)
print(f"chart: {out}")
