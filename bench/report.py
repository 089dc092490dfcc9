#!/usr/bin/env python3
"""Turns bench/results/tmp/raw.jsonl into report.md and PNG charts (no third-party packages)."""
import json, os, struct, sys, zlib

def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]

def ms(us):
    return f"{us / 1000:.2f}"

# --- a tiny PNG line-chart renderer -------------------------------------------------------------
FONT = {  # 3x5 digits and a few letters for axis labels
    "0": "111101101101111", "1": "010110010010111", "2": "111001111100111", "3": "111001111001111",
    "4": "101101111001001", "5": "111100111001111", "6": "111100111101111", "7": "111001001001001",
    "8": "111101111101111", "9": "111101111001111", ".": "000000000000010", "k": "100101110101101",
    "m": "000111111101101", "s": "000011110001110", "/": "001001010100100", "x": "000101010101000",
}
COLORS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75)]

class Canvas:
    def __init__(self, w, h):
        self.w, self.h = w, h
        self.px = [[(255, 255, 255)] * w for _ in range(h)]
    def dot(self, x, y, c):
        if 0 <= x < self.w and 0 <= y < self.h:
            self.px[y][x] = c
    def line(self, x0, y0, x1, y1, c, t=2):
        n = max(abs(x1 - x0), abs(y1 - y0), 1)
        for i in range(n + 1):
            x = round(x0 + (x1 - x0) * i / n); y = round(y0 + (y1 - y0) * i / n)
            for dx in range(t):
                for dy in range(t):
                    self.dot(x + dx, y + dy, c)
    def text(self, x, y, s, c=(0, 0, 0), k=2):
        for ch in s:
            glyph = FONT.get(ch)
            if glyph:
                for i, bit in enumerate(glyph):
                    if bit == "1":
                        for dx in range(k):
                            for dy in range(k):
                                self.dot(x + (i % 3) * k + dx, y + (i // 3) * k + dy, c)
            x += 4 * k
    def png(self, path):
        raw = b"".join(b"\x00" + b"".join(struct.pack("BBB", *p) for p in row) for row in self.px)
        def chunk(tag, data):
            return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        with open(path, "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", self.w, self.h, 8, 2, 0, 0, 0))
                    + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))

def chart(path, series, log_x=False):
    """series: {name: [(x, y), ...]}; draws lines, a legend of colour swatches, and y-axis ticks."""
    import math
    c = Canvas(720, 420)
    left, right, top, bottom = 80, 700, 20, 360
    xs = [x for pts in series.values() for x, _ in pts]
    ys = [y for pts in series.values() for _, y in pts] + [0]
    if not xs:
        c.png(path); return
    fx = (lambda v: math.log10(max(v, 1))) if log_x else (lambda v: v)
    x0, x1 = min(map(fx, xs)), max(map(fx, xs))
    y1 = max(ys) * 1.1 or 1
    X = lambda v: left + (fx(v) - x0) / ((x1 - x0) or 1) * (right - left)
    Y = lambda v: bottom - v / y1 * (bottom - top)
    c.line(left, top, left, bottom, (0, 0, 0), 1); c.line(left, bottom, right, bottom, (0, 0, 0), 1)
    for i in range(6):
        v = y1 * i / 5
        c.line(left - 5, round(Y(v)), left, round(Y(v)), (0, 0, 0), 1)
        c.text(4, round(Y(v)) - 5, f"{v:.0f}" if y1 >= 10 else f"{v:.1f}")
    for x in sorted(set(xs)):
        c.text(round(X(x)) - 8, bottom + 8, f"{x:g}" if x < 1000 else f"{x/1000:g}k")
    for i, (name, pts) in enumerate(series.items()):
        col = COLORS[i % len(COLORS)]
        pts = sorted(pts)
        for (a, b), (p, q) in zip(pts, pts[1:]):
            c.line(round(X(a)), round(Y(b)), round(X(p)), round(Y(q)), col)
        for a, b in pts:
            c.line(round(X(a)) - 3, round(Y(b)) - 3, round(X(a)) + 3, round(Y(b)) + 3, col)
        c.line(left + 10 + i * 100, 395, left + 40 + i * 100, 395, col, 6)
    c.png(path)

# --- the report ------------------------------------------------------------------------------------
def main(raw_path, out_dir, meta_path):
    rows = load(raw_path)
    meta = json.load(open(meta_path))
    by_name = {}
    for r in rows:
        by_name.setdefault(r["scenario"], []).append(r)
    twin = {("read", r["concurrency"]): r for r in rows if r["scenario"] == "pgbench read"}
    twin.update({("append", r["concurrency"]): r for r in rows if r["scenario"] == "pgbench append"})
    twin.update({("live", r["concurrency"]): r for r in rows if r["scenario"] == "vert.x hello (floor)"})
    lines = ["# Parley benchmark", "",
             f"Machine: {meta['cores']} cores, {meta['memory']}; {meta['java']}; PostgreSQL {meta['postgres']}; "
             f"wrk {meta['wrk']}; mode {meta['mode']}; {meta['date']}.", "",
             "Parley, wrk, pgbench and PostgreSQL share the machine. Each point: warm-up, then a fixed duration. "
             "Errors are every non-2xx answer and every socket error, counted, never dropped. Ratios compare a Parley "
             "scenario with pgbench running the same SQL at the same concurrency in the same run (/health/live: with a bare "
             "Vert.x server answering the same body, the machine's floor). CPU per request: the CPU time Parley (or the "
             "floor server) and PostgreSQL used during the point, divided by the requests it answered.", "",
             "| scenario | concurrency | requests/s | p50 ms | p99 ms | p99.9 ms | errors | ratio to twin | CPU µs/request (server / db) | CPU s (server / db / load) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        kind = ("read" if r["scenario"].startswith("read") else "append" if r["scenario"] == "append"
                else "live" if r["scenario"] == "/health/live" else None)
        base = twin.get((kind, r["concurrency"])) if kind else None
        ratio = f"{r['rps'] / base['rps']:.2f}" if base and base["rps"] else ""
        cpu = r.get("cpu", {})
        tail = (lambda us: ms(us) if us else "-")
        p50 = ms(r['p50_us']) + (" (mean)" if r["scenario"].startswith("pgbench") else "")
        requests = r.get("requests") or 0
        per = (lambda sec: f"{sec * 1e6 / requests:.0f}" if requests and sec else "-")
        lines.append(f"| {r['scenario']} | {r['concurrency']} | {r['rps']:.0f} | {p50} | {tail(r['p99_us'])} | "
                     f"{tail(r['p999_us'])} | {r['errors']} | {ratio} | {per(cpu.get('server', 0))} / {per(cpu.get('db', 0))} | "
                     f"{cpu.get('server', 0):.1f} / {cpu.get('db', 0):.1f} / {cpu.get('load', 0):.1f} |")
    notes = list(meta.get("notes", []))
    probes = {r["scenario"]: r for r in rows if r["scenario"].endswith("admitted (probe)")}
    half = next((r for name, r in probes.items() if "half" in name), None)
    over = next((r for name, r in probes.items() if "2x" in name), None)
    if half and over and half["p99_us"]:
        notes.append(f"overload: p99 of admitted requests at 2x the limit {ms(over['p99_us'])} ms, at half the limit "
                     f"{ms(half['p99_us'])} ms: {over['p99_us'] / half['p99_us']:.2f}x (target: within 3x).")
    def point(name, conc):
        return next((r for r in rows if r["scenario"] == name and r["concurrency"] == conc), None)
    chat1, model1, commit1 = point("chat (0 ms model)", 1), point("model alone (0 ms)", 1), point("pgbench append", 1)
    if chat1 and model1 and commit1:
        p50 = (chat1["p50_us"] - model1["p50_us"]) / 1000
        p99 = (chat1["p99_us"] - model1["p99_us"]) / 1000
        notes.append(f"chat overhead at c=1 (turn minus the model alone, both timed by wrk, 40-message conversations): "
                     f"p50 {p50:.2f} ms, p99 {p99:.2f} ms; one durable commit at c=1 (pgbench append mean) "
                     f"{ms(commit1['p50_us'])} ms (target: p50 at most one commit + 1 ms, p99 at most 5 ms).")
    for c in sorted({r["concurrency"] for r in rows if r["scenario"] == "append"}):
        chat, append = point("chat (0 ms model)", c), point("append", c)
        if chat and append and append["rps"]:
            notes.append(f"chat turns (0 ms model) at c={c}: {chat['rps']:.0f}/s, {chat['rps'] / append['rps']:.2f}x "
                         f"the append throughput of this run (target: at least 0.5x).")
    for r in rows:
        if r["scenario"].startswith("search"):
            notes.append(f"search at c={r['concurrency']} over {r['size']:,} more messages: p50 {ms(r['p50_us'])} ms, "
                         f"p99 {ms(r['p99_us'])} ms, {r['rps']:.0f}/s (target: p50 at most 20 ms at 1,000,000 messages).")
    lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    with open(os.path.join(out_dir, "report.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    throughput = {name: [(r["concurrency"], r["rps"]) for r in rs]
                  for name, rs in by_name.items() if not name.startswith(("history @", "chat @", "list @", "overload"))}
    chart(os.path.join(out_dir, "throughput.png"), throughput)
    scaling = {}
    for r in rows:
        for prefix in ("history @", "chat @", "list @"):
            if r["scenario"].startswith(prefix):
                scaling.setdefault(prefix.strip(" @") + " p50 ms", []).append((r["size"], r["p50_us"] / 1000))
    chart(os.path.join(out_dir, "latency-vs-size.png"), scaling, log_x=True)
    print("\n".join(lines))

if __name__ == "__main__":
    main(*sys.argv[1:4])
