"""A process's memory as the kernel counts it, in KiB: shared by the benches that print it
(bench/memory.py, bench/startup.py), and imported into measured processes, so it loads
nothing beyond the interpreter's own start-up modules."""

from __future__ import annotations


def process_memory(pid: int | str = "self") -> dict[str, int]:
    """``rss`` and ``hwm`` (peak RSS) from /proc/PID/status, and from /proc/PID/smaps_rollup
    (Linux 4.14 and later; left out where missing) ``pss``, ``uss`` (private clean + private
    dirty: what ending the process gives back) and ``anonymous``."""
    figures: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                figures[name[2:].lower()] = int(value.split()[0])
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            rollup = {n: v for n, _, v in (line.partition(":") for line in f)}
    except OSError:
        return figures
    kib = {name: int(value.split()[0]) for name, value in rollup.items() if "kB" in value}
    figures["pss"] = kib.get("Pss", 0)
    figures["uss"] = kib.get("Private_Clean", 0) + kib.get("Private_Dirty", 0)
    figures["anonymous"] = kib.get("Anonymous", 0)
    return figures


def mib(kib: int) -> str:
    """KiB shown as MiB, right-aligned to one decimal."""
    return f"{kib / 1024:6.1f} MiB"
