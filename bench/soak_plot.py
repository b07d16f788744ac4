"""The soak's plot: resident memory, open file descriptors and p50/p99 latency by minute (all
requests, and the list requests alone, dashed: a login's password check dominates the overall p99).

    python bench/soak_plot.py bench/out/soak/soak.csv bench/out/soak/soak.png

Reads the CSV opendrs-loadgen writes (bench/soak.sh); minute 0 is the sample before the load.
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402


def main(src, dst):
    rows = list(csv.DictReader(open(src, newline="")))
    if not rows:
        sys.exit("no rows in %s" % src)
    minute = [int(r["minute"]) for r in rows]
    rss = [int(r["rss_kib"]) / 1024 for r in rows]
    fds = [int(r["fds"]) for r in rows]
    loaded = [r for r in rows if int(r["minute"]) > 0]
    lm = [int(r["minute"]) for r in loaded]
    p50 = [float(r["p50_ms"]) for r in loaded]
    p99 = [float(r["p99_ms"]) for r in loaded]
    lp50 = [float(r["list_p50_ms"]) for r in loaded]
    lp99 = [float(r["list_p99_ms"]) for r in loaded]

    fig, (a1, a2, a3) = plt.subplots(3, 1, figsize=(9, 9), sharex=True)
    a1.plot(minute, rss, marker="o", ms=3, color="tab:blue")
    a1.set_ylabel("VmRSS (MiB)")
    a1.set_ylim(bottom=0)
    a1.grid(alpha=0.3)
    a2.plot(minute, fds, marker="o", ms=3, color="tab:green")
    a2.set_ylabel("open fds")
    a2.set_ylim(bottom=0)
    a2.grid(alpha=0.3)
    a3.plot(lm, p50, marker="o", ms=3, label="p50")
    a3.plot(lm, p99, marker="o", ms=3, label="p99")
    a3.plot(lm, lp50, ls="--", color="tab:blue", label="list p50")
    a3.plot(lm, lp99, ls="--", color="tab:orange", label="list p99")
    a3.xaxis.set_major_locator(MaxNLocator(integer=True))
    a3.set_ylabel("latency (ms)")
    a3.set_ylim(bottom=0)
    a3.set_xlabel("minute")
    a3.legend()
    a3.grid(alpha=0.3)
    total = sum(int(r["requests"]) for r in loaded)
    s5xx = sum(int(r["s5xx"]) for r in loaded)
    fig.suptitle("OpenDRS soak: %d minutes, %d requests, %d 5xx" % (len(loaded), total, s5xx))
    fig.tight_layout()
    fig.savefig(dst, dpi=100)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
