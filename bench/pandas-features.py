"""The pandas reference of `npm run bench`: read_csv + groupby on the same files as bench/ingest.ts.

    /usr/bin/python3 bench/pandas-features.py --customer COL --date COL (--amount COL | --quantity COL --price COL) PATH...

PATH is a CSV file or a folder of them (every .csv directly inside, sorted). Per customer: transactions,
net spend, first and last date; rows without a customer id are dropped first (as valuecast rejects them).
Prints one line `BENCH_PART <json>` with the seconds, the rows and the process's peak RSS and CPU time.
"""

import argparse
import json
import os
import resource
import time

import pandas as pd


def expand(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            files.extend(os.path.join(p, n) for n in sorted(os.listdir(p)) if n.endswith(".csv"))
        else:
            files.append(p)
    return files


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--customer", required=True)
    parser.add_argument("--date", required=True)
    parser.add_argument("--amount")
    parser.add_argument("--quantity")
    parser.add_argument("--price")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()

    started = time.perf_counter()
    cpu_started = time.process_time()
    frames = [pd.read_csv(f, parse_dates=[args.date]) for f in expand(args.paths)]
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    rows_read = len(df)
    if args.amount:
        df["_amount"] = df[args.amount]
    else:
        df["_amount"] = df[args.quantity] * df[args.price]
    df = df.dropna(subset=[args.customer])
    features = df.groupby(args.customer).agg(
        transactions=("_amount", "size"),
        total_spend=("_amount", "sum"),
        first=(args.date, "min"),
        last=(args.date, "max"),
    )
    seconds = time.perf_counter() - started
    work_cpu_seconds = time.process_time() - cpu_started

    usage = resource.getrusage(resource.RUSAGE_SELF)
    figures = {
        "pandas": pd.__version__,
        "rowsRead": rows_read,
        "customers": len(features),
        "seconds": round(seconds, 3),
        "rowsPerSecond": round(rows_read / seconds),
        "workCpuSeconds": round(work_cpu_seconds, 3),
        # ru_maxrss is in kilobytes on Linux.
        "peakRssMB": round(usage.ru_maxrss / 1024),
        "cpuSeconds": round(usage.ru_utime + usage.ru_stime, 3),
    }
    print("BENCH_PART " + json.dumps(figures))


if __name__ == "__main__":
    main()
