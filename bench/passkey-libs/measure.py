"""Zip size (zip -9, as tests/run.sh measures the Lambda zips) and exec time of the four
binaries of bench/passkey-libs, each against `base`. Build first:
    cargo build --release --manifest-path bench/passkey-libs/Cargo.toml"""
import io, os, statistics, subprocess, sys, time, zipfile

target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(os.path.dirname(__file__), "target")
release = os.path.join(target, "release")
rows, times = {}, {}
for name in ("base", "hand", "wrs", "wrp"):
    path = os.path.join(release, name)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.write(path, "bootstrap")
    rows[name] = (len(buf.getvalue()), os.path.getsize(path))
for _ in range(3):
    for name in rows:
        runs = []
        for _ in range(100):
            t = time.perf_counter()
            subprocess.run([os.path.join(release, name)], input=b"{}", stdout=subprocess.DEVNULL)
            runs.append(time.perf_counter() - t)
        times.setdefault(name, []).append(statistics.median(runs) * 1000)
zip0, bin0 = rows["base"]
t0 = statistics.median(times["base"])
for name, (z, b) in rows.items():
    t = statistics.median(times[name])
    print(f"{name}: zip {z:,} (+{z - zip0:,}), binary {b:,} (+{b - bin0:,}), "
          f"exec {t:.2f} ms ({t / t0:.2f}x)")
sys.exit(0)
