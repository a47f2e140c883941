#!/usr/bin/env python3
"""Turn the matrix's raw CSV into a markdown table of medians and a gnuplot data file.

Usage: report.py RESULTS.CSV REPORT.MD CHART.DAT

Every figure is the median over the repetitions, and each ratio is the datapath's median over
the kernel path's median at the same pod MTU. Targets for masqd: throughput and connection
rate at least 1.0x the kernel path, round-trip latency at most 1.2x.
"""

import csv
import statistics
import sys
from collections import defaultdict

DATAPATHS = ["masqd", "kernel", "pasta", "slirp", "baseline"]
REFERENCE = "kernel"

# (metric, column title, higher is better)
RATE_COLUMNS = [
    ("tcp_out_gbps", "TCP out Gbit/s", True),
    ("tcp_in_gbps", "TCP in Gbit/s", True),
    ("tcp_out4_gbps", "TCP out 4 streams Gbit/s", True),
    ("udp64_kpps", "UDP 64 B kpps", True),
    ("cps", "new TCP conn/s", True),
]
LATENCY_COLUMNS = [
    ("rtt_udp_p50_us", "UDP RTT p50 µs", False),
    ("rtt_udp_p99_us", "UDP RTT p99 µs", False),
    ("rtt_tcp_p50_us", "TCP RTT p50 µs", False),
    ("rtt_tcp_p99_us", "TCP RTT p99 µs", False),
]
CPU_RUNS = [
    ("tcp_out", "TCP out"),
    ("tcp_in", "TCP in"),
    ("tcp_out4", "TCP out 4 streams"),
    ("udp64", "UDP 64 B"),
    ("cps", "conn/s"),
]
LATENCY_TARGET = 1.2
RATE_TARGET = 1.0


def read_medians(path):
    """Return {(mtu, datapath, metric): median}, the number of repetitions seen, and
    {(mtu, datapath): count} of runs where the datapath failed to come up."""
    values = defaultdict(list)
    repetitions = set()
    failures = defaultdict(int)
    with open(path, newline="") as file:
        for row in csv.DictReader(file):
            key = (int(row["mtu"]), row["datapath"], row["metric"])
            repetitions.add(row["repetition"])
            if row["metric"] == "up_failed":
                failures[key[:2]] += 1
                continue
            values[key].append(float(row["value"]))
    medians = {key: statistics.median(v) for key, v in values.items()}
    return medians, len(repetitions), failures


def number(value):
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def cell(medians, mtu, datapath, metric):
    value = medians.get((mtu, datapath, metric))
    if value is None:
        return "n/a"
    reference = medians.get((mtu, REFERENCE, metric))
    if datapath == REFERENCE or not reference:
        return number(value)
    return f"{number(value)} ({value / reference:.2f}x)"


def metric_table(medians, mtu, columns):
    lines = ["| datapath | " + " | ".join(title for _, title, _ in columns) + " |",
             "|---" * (len(columns) + 1) + "|"]
    for datapath in DATAPATHS:
        cells = [cell(medians, mtu, datapath, metric) for metric, _, _ in columns]
        if all(c == "n/a" for c in cells):
            continue
        lines.append(f"| {datapath} | " + " | ".join(cells) + " |")
    return lines


def cpu_table(medians, mtu):
    """Return the table of cores busy in each run: datapath processes / whole system."""
    lines = ["| datapath | " + " | ".join(title for _, title in CPU_RUNS) + " |",
             "|---" * (len(CPU_RUNS) + 1) + "|"]
    for datapath in DATAPATHS:
        cells = []
        for run, _ in CPU_RUNS:
            process = medians.get((mtu, datapath, f"{run}_dp_cores"))
            system = medians.get((mtu, datapath, f"{run}_sys_cores"))
            process_text = "-" if process is None else f"{process:.2f}"
            cells.append("n/a" if system is None else f"{process_text} / {system:.2f}")
        if all(c == "n/a" for c in cells):
            continue
        lines.append(f"| {datapath} | " + " | ".join(cells) + " |")
    return lines


def target_rows(medians, mtus):
    """Return the target table: masqd's ratio to the kernel path per metric and MTU."""
    lines = ["| pod MTU | metric | masqd | kernel | ratio | target | met |",
             "|---|---|---|---|---|---|---|"]
    for mtu in mtus:
        for metric, title, higher in RATE_COLUMNS + LATENCY_COLUMNS:
            masqd = medians.get((mtu, "masqd", metric))
            kernel = medians.get((mtu, REFERENCE, metric))
            if masqd is None or not kernel:
                continue
            ratio = masqd / kernel
            met = ratio >= RATE_TARGET if higher else ratio <= LATENCY_TARGET
            target = f">= {RATE_TARGET:.1f}x" if higher else f"<= {LATENCY_TARGET:.1f}x"
            lines.append(f"| {mtu} | {title} | {number(masqd)} | {number(kernel)} | "
                         f"{ratio:.2f}x | {target} | {'yes' if met else '**no**'} |")
    return lines


CHART_LABELS = {
    "tcp_out_gbps": "TCP out",
    "tcp_in_gbps": "TCP in",
    "tcp_out4_gbps": "TCP out x4",
    "udp64_kpps": "UDP 64 B",
    "cps": "conn/s",
}


def chart_data(medians, mtus):
    """Return gnuplot blocks, one per MTU: a row per rate metric, a column per datapath."""
    measured = {metric for _, _, metric in medians}
    lines = []
    for mtu in mtus:
        lines.append(f"# pod MTU {mtu}: metric " + " ".join(DATAPATHS))
        for metric, _, _ in RATE_COLUMNS:
            if metric not in measured:
                continue
            kernel = medians.get((mtu, REFERENCE, metric))
            ratios = []
            for datapath in DATAPATHS:
                value = medians.get((mtu, datapath, metric))
                # A value below the chart's range draws no bar but keeps gnuplot working
                # when a whole column is missing.
                missing = value is None or not kernel
                ratios.append("0.001" if missing else f"{value / kernel:.4f}")
            lines.append(f'"{CHART_LABELS[metric]}" ' + " ".join(ratios))
        lines += ["", ""]
    return lines


def main():
    results, report, chart = sys.argv[1:4]
    medians, repetitions, failures = read_medians(results)
    mtus = sorted({mtu for mtu, _, _ in medians} | {mtu for mtu, _ in failures})

    lines = [f"Medians of {repetitions} repetition(s); in brackets, the ratio to the "
             "kernel path at the same pod MTU.", ""]
    for (mtu, datapath), count in sorted(failures.items()):
        lines.append(f"- {datapath} failed to come up {count} time(s) at pod MTU {mtu}; "
                     "its logs are in logs/failed-*.")
    if failures:
        lines.append("")
    for mtu in mtus:
        lines += [f"### Pod MTU {mtu}", "", "Throughput and connection rate:", ""]
        lines += metric_table(medians, mtu, RATE_COLUMNS)
        lines += ["", "Round-trip latency (sockperf ping-pong):", ""]
        lines += metric_table(medians, mtu, LATENCY_COLUMNS)
        lines += ["", "CPU during each run, cores busy: datapath processes / whole system:", ""]
        lines += cpu_table(medians, mtu)
        lines.append("")
    lines += ["### masqd against its targets", ""] + target_rows(medians, mtus) + [""]

    with open(report, "w") as file:
        file.write("\n".join(lines))
    with open(chart, "w") as file:
        file.write("\n".join(chart_data(medians, mtus)))


if __name__ == "__main__":
    main()
