#!/usr/bin/env python3
"""Turn a series of `ringside bench <scenario> --json` runs into PNG charts (calls vs server CPU and
calls vs latency), one file per scenario: <out-dir>/bench-<scenario>.png.

Usage: scripts/bench-plot.py [--out docs] run1.json run2.json ...
Each file holds one JSON report (or several, one per line). Runs with the same number of calls are
drawn as points; the line goes through their median. Pure Python (zlib + struct write the PNG), so
it runs anywhere Python 3 does.
"""

import argparse
import json
import statistics
import struct
import sys
import zlib
from collections import defaultdict
from pathlib import Path

# The latency each scenario is judged by (issue 6's targets), and a second one for context.
LATENCY = {
    "graph-setup": [("latencyMs", "create → established notification")],
    "graph-incoming": [("latencyMs", "dial → incoming notification")],
    "acs-setup": [("latencyMs", "createCall → CallConnected")],
    "acs-stream": [("latencyMs", "frame lateness at the sink")],
    "media-soak": [("figures", "latenessP50Ms", "latenessP99Ms")],
}
TARGET_MS = {"graph-setup": 20, "graph-incoming": 5, "acs-setup": 20, "acs-stream": 5, "media-soak": 2}
TARGET_CORES = {"media-soak": 1.5}

# 5x7 bitmap font: each glyph is 7 rows of 5 bits.
FONT = {
    "0": "01110 10001 10011 10101 11001 10001 01110", "1": "00100 01100 00100 00100 00100 00100 01110",
    "2": "01110 10001 00001 00010 00100 01000 11111", "3": "11111 00010 00100 00010 00001 10001 01110",
    "4": "00010 00110 01010 10010 11111 00010 00010", "5": "11111 10000 11110 00001 00001 10001 01110",
    "6": "00110 01000 10000 11110 10001 10001 01110", "7": "11111 00001 00010 00100 01000 01000 01000",
    "8": "01110 10001 10001 01110 10001 10001 01110", "9": "01110 10001 10001 01111 00001 00010 01100",
    "A": "01110 10001 10001 11111 10001 10001 10001", "B": "11110 10001 10001 11110 10001 10001 11110",
    "C": "01110 10001 10000 10000 10000 10001 01110", "D": "11100 10010 10001 10001 10001 10010 11100",
    "E": "11111 10000 10000 11110 10000 10000 11111", "F": "11111 10000 10000 11110 10000 10000 10000",
    "G": "01110 10001 10000 10111 10001 10001 01111", "H": "10001 10001 10001 11111 10001 10001 10001",
    "I": "01110 00100 00100 00100 00100 00100 01110", "J": "00111 00010 00010 00010 00010 10010 01100",
    "K": "10001 10010 10100 11000 10100 10010 10001", "L": "10000 10000 10000 10000 10000 10000 11111",
    "M": "10001 11011 10101 10101 10001 10001 10001", "N": "10001 10001 11001 10101 10011 10001 10001",
    "O": "01110 10001 10001 10001 10001 10001 01110", "P": "11110 10001 10001 11110 10000 10000 10000",
    "Q": "01110 10001 10001 10001 10101 10010 01101", "R": "11110 10001 10001 11110 10100 10010 10001",
    "S": "01111 10000 10000 01110 00001 00001 11110", "T": "11111 00100 00100 00100 00100 00100 00100",
    "U": "10001 10001 10001 10001 10001 10001 01110", "V": "10001 10001 10001 10001 10001 01010 00100",
    "W": "10001 10001 10001 10101 10101 10101 01010", "X": "10001 10001 01010 00100 01010 10001 10001",
    "Y": "10001 10001 10001 01010 00100 00100 00100", "Z": "11111 00001 00010 00100 01000 10000 11111",
    ".": "00000 00000 00000 00000 00000 01100 01100", "-": "00000 00000 00000 11111 00000 00000 00000",
    "(": "00010 00100 01000 01000 01000 00100 00010", ")": "01000 00100 00010 00010 00010 00100 01000",
    "/": "00001 00010 00010 00100 01000 01000 10000", ":": "00000 01100 01100 00000 01100 01100 00000",
    ">": "01000 00100 00010 00001 00010 00100 01000", "<": "00010 00100 01000 10000 01000 00100 00010",
    ",": "00000 00000 00000 00000 01100 00100 01000", "%": "11000 11001 00010 00100 01000 10011 00011",
    "=": "00000 00000 11111 00000 11111 00000 00000", "+": "00000 00100 00100 11111 00100 00100 00000",
    " ": "00000 00000 00000 00000 00000 00000 00000",
}

WHITE, BLACK, GREY = (255, 255, 255), (30, 30, 30), (210, 210, 210)
BLUE, ORANGE, RED = (31, 119, 180), (255, 127, 14), (214, 39, 40)


class Canvas:
    def __init__(self, width, height):
        self.w, self.h = width, height
        self.px = bytearray(WHITE * (width * height))

    def set(self, x, y, colour):
        if 0 <= x < self.w and 0 <= y < self.h:
            i = (y * self.w + x) * 3
            self.px[i:i + 3] = bytes(colour)

    def rect(self, x0, y0, x1, y1, colour):
        for y in range(max(0, y0), min(self.h, y1 + 1)):
            for x in range(max(0, x0), min(self.w, x1 + 1)):
                self.set(x, y, colour)

    def line(self, x0, y0, x1, y1, colour, width=2, dash=0):
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        err, n = dx + dy, 0
        while True:
            if not dash or (n // dash) % 2 == 0:
                self.rect(x0 - width // 2, y0 - width // 2, x0 + (width - 1) // 2, y0 + (width - 1) // 2, colour)
            n += 1
            if x0 == x1 and y0 == y1:
                break
            e2 = 2 * err
            if e2 >= dy:
                err += dy
                x0 += sx
            if e2 <= dx:
                err += dx
                y0 += sy

    def text(self, x, y, text, colour=BLACK, scale=2):
        for ch in text.upper():
            glyph = FONT.get(ch, FONT[" "]).split()
            for row, bits in enumerate(glyph):
                for col, bit in enumerate(bits):
                    if bit == "1":
                        self.rect(x + col * scale, y + row * scale, x + col * scale + scale - 1,
                                  y + row * scale + scale - 1, colour)
            x += 6 * scale

    def png(self):
        raw = b"".join(b"\x00" + bytes(self.px[y * self.w * 3:(y + 1) * self.w * 3]) for y in range(self.h))

        def chunk(kind, data):
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

        header = struct.pack(">IIBBBBB", self.w, self.h, 8, 2, 0, 0, 0)
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def nice(value):
    return f"{value:.0f}" if value >= 100 or value == int(value) else f"{value:.2f}".rstrip("0").rstrip(".")


def panel(canvas, box, title, xs, series, ylabel, target=None):
    """One chart in box (x0, y0, x1, y1): series = [(label, colour, {x: [values]})]."""
    x0, y0, x1, y1 = box
    left, bottom = x0 + 70, y1 - 40
    right, top = x1 - 10, y0 + 30
    canvas.text(x0 + 10, y0 + 5, title)
    values = [v for _, _, points in series for vs in points.values() for v in vs]
    if target is not None:
        values.append(target)
    ymax = max(values + [1e-9]) * 1.15
    xmin, xmax = min(xs), max(xs)
    if xmin == xmax:
        xmin, xmax = xmin * 0.5, xmax * 1.5 if xmax else 1.0
    sx = lambda x: int(left + (x - xmin) / (xmax - xmin) * (right - left))
    sy = lambda y: int(bottom - y / ymax * (bottom - top))
    for k in range(5):
        y = ymax * k / 4
        canvas.line(left, sy(y), right, sy(y), GREY, 1)
        canvas.text(x0 + 4, sy(y) - 6, nice(y), BLACK, 1)
    for x in xs:
        canvas.line(sx(x), bottom, sx(x), bottom + 4, BLACK, 1)
        canvas.text(sx(x) - 3 * len(nice(x)), bottom + 8, nice(x), BLACK, 1)
    canvas.line(left, bottom, right, bottom, BLACK, 1)
    canvas.line(left, top, left, bottom, BLACK, 1)
    canvas.text(left + 4, y1 - 16, "CALLS", BLACK, 1)
    canvas.text(left + 4, top - 12, ylabel, BLACK, 1)
    if target is not None:
        canvas.line(left, sy(target), right, sy(target), RED, 1, dash=6)
        canvas.text(right - 90, sy(target) - 10, f"TARGET {nice(target)}", RED, 1)
    legend_y = top + 4
    for label, colour, points in series:
        keys = sorted(points)
        medians = [(sx(x), sy(statistics.median(points[x]))) for x in keys]
        for (ax, ay), (bx, by) in zip(medians, medians[1:]):
            canvas.line(ax, ay, bx, by, colour, 2)
        for x in keys:
            for v in points[x]:
                canvas.rect(sx(x) - 3, sy(v) - 3, sx(x) + 3, sy(v) + 3, colour)
        canvas.rect(right - 150, legend_y + 2, right - 140, legend_y + 8, colour)
        canvas.text(right - 134, legend_y, label, BLACK, 1)
        legend_y += 12


def load(paths):
    runs = []
    for path in paths:
        text = Path(path).read_text()
        try:
            runs.append(json.loads(text))
        except json.JSONDecodeError:
            runs.extend(json.loads(line) for line in text.splitlines() if line.strip())
    return runs


def calls_of(run):
    figures = run.get("figures", {})
    return figures.get("concurrentCalls") or figures.get("streams") or run.get("completed") or run["calls"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs", help="directory for bench-<scenario>.png")
    parser.add_argument("runs", nargs="+", help="JSON reports from ringside bench --json")
    args = parser.parse_args()
    by_scenario = defaultdict(list)
    for run in load(args.runs):
        by_scenario[run["scenario"]].append(run)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for scenario, runs in sorted(by_scenario.items()):
        xs = sorted({calls_of(r) for r in runs})
        cpu, p50, p99 = defaultdict(list), defaultdict(list), defaultdict(list)
        for r in runs:
            x = calls_of(r)
            if r.get("server", {}).get("cpuCores") is not None:
                cpu[x].append(r["server"]["cpuCores"])
            for spec in LATENCY.get(scenario, []):
                if spec[0] == "latencyMs":
                    step = r.get("latencyMs", {}).get(spec[1])
                    if step:
                        p50[x].append(step["p50"])
                        p99[x].append(step["p99"])
                else:
                    figures = r.get("figures", {})
                    if figures.get(spec[1]) is not None:
                        p50[x].append(figures[spec[1]])
                    if figures.get(spec[2]) is not None:
                        p99[x].append(figures[spec[2]])
        canvas = Canvas(1000, 440)
        canvas.text(10, 6, f"RINGSIDE BENCH {scenario}", BLACK, 2)
        panel(canvas, (0, 40, 500, 440), "SERVER CPU (CORES)", xs, [("CPU", BLUE, cpu)], "CORES",
              TARGET_CORES.get(scenario))
        panel(canvas, (500, 40, 1000, 440), "LATENCY (MS)", xs,
              [("P50", BLUE, p50), ("P99", ORANGE, p99)], "MS", TARGET_MS.get(scenario))
        path = out / f"bench-{scenario}.png"
        path.write_bytes(canvas.png())
        print(f"{path}: {len(runs)} runs, calls {', '.join(nice(x) for x in xs)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
