#!/usr/bin/env python3
"""Draws a soak's result (scripts/soak's JSON) as a PNG: memory, processes and runs over time,
with the faults marked. Usage: soak_plot.py RESULT.json OUT.png"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STATUSES = ["PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED"]


def main(result_path, png_path):
    with open(result_path) as f:
        result = json.load(f)
    samples = [s for s in result["samples"] if "drained" not in s["events"]]
    t = [s["minute"] for s in samples]
    fig, (mem, procs, runs) = plt.subplots(3, 1, figsize=(11, 11), sharex=True)
    title = "Kestrel soak: %s mode, %s minutes, %s slot(s) per worker" % (
        result["mode"], result["minutes"], result["slots"])
    failed = [i["name"] for i in result["invariants"] if not i["holds"]]
    title += "\n" + ("every invariant holds" if not failed else "FAILED: " + ", ".join(failed))
    fig.suptitle(title)

    # The RSS and the browsers' lasting memory, which the soak judges, from its looks every few
    # seconds (older results have samples only).
    traces = [x for x in result.get("traces", []) if x["minute"] <= result["minutes"]] or samples
    tt = [x["minute"] for x in traces]
    mem.plot(tt, [x["jvmRssMb"] for x in traces], label="Kestrel JVMs, RSS", linewidth=0.8)
    mem.plot(t, [s["heapUsedMb"] for s in samples], label="Kestrel JVMs, live heap (after a full collection)")
    mem.plot(t, [s.get("retainedMb", 0) for s in samples],
             label="Kestrel JVMs, retained (old gen after GC, non-heap, direct)")
    mem.plot(t, [s["browserPssMb"] for s in samples], label="browsers' process tree, PSS")
    mem.plot(tt, [x.get("browserBasePssMb", 0) for x in traces],
             label="browsers without the pages' renderers, PSS", linewidth=0.8)
    mem.set_ylabel("MB")
    mem.legend(loc="upper left")
    judged = result["figures"].get("judgedFromMinute")
    if judged is not None:
        mem.axvspan(judged, t[-1] if t else judged, color="green", alpha=0.06, label="judged window")

    procs.plot(t, [s["chromiumProcesses"] for s in samples], label="Chromium processes")
    procs.plot(t, [s["browsers"] for s in samples], label="browsers")
    procs.plot(t, [s["slots"] for s in samples], "--", label="browser slots")
    procs.plot(t, [s["threads"] / 10 for s in samples], label="JVM threads / 10")
    procs.plot(t, [s["openFiles"] / 10 for s in samples], label="JVM open files / 10")
    procs.set_ylabel("count")
    procs.legend(loc="upper left")

    for status in STATUSES:
        values = [(s["apiRuns"] or {}).get(status, 0) if s["apiRuns"] is not None else None
                  for s in samples]
        runs.plot(t, values, label="runs %s (API)" % status.lower())
    runs.set_ylabel("runs")
    runs.set_xlabel("minutes")
    wait = runs.twinx()
    wait.plot(t, [(s["queueWaitP95Ms"] or 0) / 1000 for s in samples], ":", color="grey",
              label="queue wait p95 (s)")
    wait.set_ylabel("queue wait p95, s")
    runs.legend(loc="upper left")
    wait.legend(loc="upper right")

    for fault in result["faults"]:
        for ax in (mem, procs, runs):
            ax.axvline(fault["minute"], color="red", alpha=0.5, linewidth=1)
        mem.annotate(fault["fault"], (fault["minute"], mem.get_ylim()[1]), rotation=90,
                     va="top", ha="right", fontsize=8, color="red")
    fig.tight_layout()
    fig.savefig(png_path, dpi=90)
    print("Written: " + png_path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
