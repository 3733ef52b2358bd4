#!/usr/bin/env python3
"""Summarises one run.sh session: medians per server of the scenario's key metrics and the ratios
relay/peer, as a Markdown section for benchmarks/RESULTS.md.

    summarize.py RESULTS.jsonl SCENARIO UNAVAILABLE_JSON DATE MACHINE COMMIT FLAGS NOTE
"""
import json
import statistics
import sys

path, scenario, unavailable, date, machine, commit, flags, note = sys.argv[1:9]
unavailable = json.loads(unavailable)
rows = []
try:
    with open(path) as f:
        rows = [json.loads(line) for line in f if line.strip()]
except FileNotFoundError:
    pass

# (metric, better) where better is "low" or "high"; "lost"-like metrics are correctness, shown as sums.
metrics = {
    "fanout": [("delivered_per_s", "high"), ("latency_p50_us", "low"), ("latency_p99_us", "low"),
               ("latency_p999_us", "low"), ("latency_max_us", "low"), ("server_cpu_per_delivery_us", "low"),
               ("server_rss_after_kb", "low")],
    "connect": [("handshakes_per_s", "high"), ("server_rss_per_connection_b", "low"), ("server_cpu_s", "low")],
    "churn": [("delivered_per_s", "high"), ("latency_p50_us", "low"), ("latency_p99_us", "low"),
              ("server_cpu_per_delivery_us", "low")],
    "revoke": [("rpc_ms", "low"), ("last_close_after_rpc_start_ms", "low"), ("last_close_after_rpc_return_ms", "low")],
    "catchup": [("catchup_max_us", "low"), ("latency_p99_us", "low"), ("server_rss_after_kb", "low"),
                ("server_cpu_per_delivery_us", "low")],
}[scenario]
correctness = {"fanout": ["lost", "sequence_holes", "out_of_order"], "connect": ["errors"],
               "churn": ["connect_failures", "unexpected_close_codes", "sequence_holes", "out_of_order"],
               "revoke": ["closed", "closed_4403"], "catchup": ["lost", "sequence_holes", "out_of_order"]}[scenario]

servers = []
for r in rows:
    if r["label"] not in servers:
        servers.append(r["label"])
by = {s: [r for r in rows if r["label"] == s] for s in servers}

def median(s, key):
    values = [r[key] for r in by[s] if isinstance(r.get(key), (int, float))]
    return statistics.median(values) if values else None

def fmt(v):
    if v is None:
        return "–"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"

out = [f"### {scenario} — {date}", "",
       f"- machine: {machine}; commit {commit}; relay-bench flags: `{flags or '(defaults)'}`",
       f"- rounds per server: " + ", ".join(f"{s} {len(by[s])}" for s in servers) + (f"; note: {note}" if note else "")]
for s, why in sorted(unavailable.items()):
    out.append(f"- **{s}: unavailable** — {why}")
out.append("")
if servers:
    out.append("| metric (median) | " + " | ".join(servers) + " |")
    out.append("|---|" + "---|" * len(servers))
    for key, _ in metrics:
        out.append(f"| {key} | " + " | ".join(fmt(median(s, key)) for s in servers) + " |")
    for key in correctness:
        totals = [sum(r.get(key, 0) for r in by[s]) for s in servers]
        out.append(f"| {key} (sum over rounds) | " + " | ".join(str(t) for t in totals) + " |")
    base = "relay" if "relay" in servers else None
    if base:
        out.append("")
        out.append("Ratios (how many times better the relay is; >1 means the relay wins):")
        for peer in servers:
            if peer == base:
                continue
            parts = []
            for key, better in metrics:
                a, b = median(base, key), median(peer, key)
                if a and b:
                    ratio = (a / b) if better == "high" else (b / a)
                    parts.append(f"{key} {ratio:.2f}x")
            out.append(f"- relay vs {peer}: " + (", ".join(parts) or "–"))
else:
    out.append("No results.")
print("\n".join(out))
